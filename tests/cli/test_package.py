"""The ``voucher`` command stands on its own: it never loads Flask, and every one of its
modules can be imported first (no registration cycle between the main group and its
command groups)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import voucher.cli

CLI = Path(voucher.cli.__file__).parent
MODULES = sorted(f"voucher.cli.{p.stem}" for p in CLI.glob("*.py") if p.stem != "__init__")
WEB = ("flask", "flask_login", "flask_wtf", "flask_limiter", "werkzeug")


def _python(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter: the test session has long imported Flask."""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )


def test_voucher_help_lists_every_group_without_loading_flask():
    done = _python(
        "import sys\n"
        "from voucher.cli.main import main\n"
        "main(['--help'], prog_name='voucher', standalone_mode=False)\n"
        f"print('LOADED', sorted(m for m in sys.modules if m.split('.')[0] in {WEB!r}))\n"
    )
    assert done.returncode == 0, done.stderr
    assert "LOADED []" in done.stdout
    for command in ("close", "credit-notes", "db", "export", "holds", "payrun", "print", "redeem"):
        assert f"  {command} " in done.stdout


def test_every_subcommand_help_loads_no_flask():
    done = _python(
        "import sys, click\n"
        "from voucher.cli.main import main\n"
        "def walk(cmd, path):\n"
        "    try:\n"
        "        main([*path, '--help'], prog_name='voucher')\n"
        "    except SystemExit as exit:\n"
        "        assert exit.code == 0, path\n"
        "    for name, sub in getattr(cmd, 'commands', {}).items():\n"
        "        walk(sub, [*path, name])\n"
        "walk(main, [])\n"
        f"print('LOADED', sorted(m for m in sys.modules if m.split('.')[0] in {WEB!r}))\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("LOADED []")


def test_each_cli_module_can_be_imported_first():
    assert "voucher.cli.common" in MODULES and "voucher.cli.main" in MODULES
    done = _python(
        "import importlib, sys, traceback\n"
        f"for name in {MODULES!r}:\n"
        "    for loaded in [m for m in sys.modules if m.startswith('voucher.cli')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception:\n"
        "        print('FAILED', name, traceback.format_exc())\n"
    )
    assert done.returncode == 0, done.stderr
    assert "FAILED" not in done.stdout, done.stdout
