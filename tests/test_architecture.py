"""The arrows point one way: web -> services -> domain, services -> db. Walk every module's
imports (static, with ast) and check who may import Flask and SQLAlchemy."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "voucher"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules(sub: str = "") -> list[Path]:
    return sorted((ROOT / sub).rglob("*.py"))


def top(name: str) -> str:
    return name.split(".")[0]


def test_the_walk_sees_the_whole_package():
    assert len(modules()) > 20
    assert any(top(i) == "flask" for p in modules("web") for i in imports_of(p))


def test_domain_imports_neither_flask_nor_sqlalchemy_nor_outer_layers():
    for path in modules("domain"):
        for name in imports_of(path):
            assert top(name) not in {
                "flask",
                "flask_login",
                "flask_wtf",
                "flask_smorest",
                "sqlalchemy",
                "werkzeug",
            }, (path, name)
            assert not name.startswith(
                ("voucher.db", "voucher.services", "voucher.web", "voucher.documents")
            ), (path, name)


def test_only_web_imports_flask():
    for path in modules():
        if "web" in path.relative_to(ROOT).parts[:1]:
            continue
        for name in imports_of(path):
            assert not top(name).startswith(("flask", "werkzeug")), (path, name)


def test_services_and_db_never_import_web():
    for sub in ("services", "db", "documents", "domain"):
        for path in modules(sub):
            for name in imports_of(path):
                assert not name.startswith("voucher.web"), (path, name)


def test_services_never_commit():
    for path in modules("services"):
        assert ".commit()" not in path.read_text(encoding="utf-8"), path
