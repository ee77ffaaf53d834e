"""docs/ stays true: the error-code page is regenerated from the registry."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_error_code_page_lists_every_code():
    spec = importlib.util.spec_from_file_location("gen", ROOT / "scripts" / "gen_error_docs.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    expected = gen.render()
    assert (ROOT / "docs" / "error-codes.md").read_text(encoding="utf-8") == expected, (
        "run: .venv/bin/python scripts/gen_error_docs.py"
    )


def test_readme_opens_with_the_two_commands():
    head = (ROOT / "README.md").read_text(encoding="utf-8").split("```")[1]
    assert "./scripts/demo" in head and "./scripts/test" in head
