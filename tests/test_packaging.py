"""A non-editable install ships templates and migrations: build the package into a
folder with pip (no dependencies), then migrate a database from that copy alone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_non_editable_install_carries_templates_and_migrations(tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(ROOT),
        ],
        check=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert (target / "templates" / "base.html").exists()
    assert (target / "voucher" / "db" / "migrations" / "versions" / "0001_core.py").exists()
    assert (target / "voucher" / "static" / "css" / "app.css").exists()
    db = tmp_path / "x.sqlite3"
    code = (
        "from voucher.db.engine import make_engine; from voucher.db.migrate import upgrade, current_revision;"
        f"e = make_engine('sqlite:///{db}'); upgrade(e); print(current_revision(e));"
        "import voucher, templates; print(voucher.__file__); print(templates.__file__)"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    ).stdout.split()
    assert out[0].startswith("0006") or out[0] > "0001"
    assert out[1].startswith(str(target)) and out[2].startswith(str(target))
