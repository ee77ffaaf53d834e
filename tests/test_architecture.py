"""The arrows point one way: web -> services -> domain, cli -> services, services -> db,
and nothing points back. Walk every module's imports (static, with ast) and check who may
import Flask and SQLAlchemy, that the CLI stands without Flask, that only the request
wrapper commits, and that no two modules import each other, even through others."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "voucher"
FLASK = ("flask", "flask_login", "flask_wtf", "flask_smorest", "flask_limiter", "werkzeug")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def imports_of(path: Path) -> frozenset[str]:
    """Every module ``path`` names in an import, wherever the import stands, except the
    ones only type checkers see (``if TYPE_CHECKING:``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {
        id(n)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for n in ast.walk(block)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:  # a submodule by its name, else the module itself
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in KNOWN else node.module)
    return frozenset(found)


def modules(sub: str = "") -> list[Path]:
    return sorted(p for p in (ROOT / sub).rglob("*.py") if "migrations" not in p.parts)


KNOWN = {module_name(p): p for p in modules()}


def top(name: str) -> str:
    return name.split(".")[0]


def graph() -> dict[str, set[str]]:
    """Our modules and the modules of ours each one imports."""
    return {
        name: {i for i in imports_of(path) if i in KNOWN and i != name}
        for name, path in KNOWN.items()
    }


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_the_walk_sees_the_whole_package():
    assert len(modules()) > 100
    assert any(top(i) == "flask" for p in modules("web") for i in imports_of(p))
    assert "voucher.services.redemption" in graph()


def test_no_module_imports_itself_back_through_others():
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_domain_imports_neither_flask_nor_sqlalchemy_nor_outer_layers():
    for path in modules("domain"):
        for name in imports_of(path):
            assert top(name) not in {*FLASK, "sqlalchemy"}, (path, name)
            assert not name.startswith(
                (
                    "voucher.db",
                    "voucher.services",
                    "voucher.web",
                    "voucher.cli",
                    "voucher.documents",
                )
            ), (path, name)


def test_only_web_imports_flask():
    for path in modules():
        if path.relative_to(ROOT).parts[0] == "web":
            continue
        for name in imports_of(path):
            assert top(name) not in FLASK, (path, name)


def test_nothing_imports_the_web_or_the_cli_but_themselves():
    for sub in ("services", "db", "documents", "domain"):
        for path in modules(sub):
            for name in imports_of(path):
                assert not name.startswith(("voucher.web", "voucher.cli")), (path, name)
    for path in modules("web"):
        assert not any(n.startswith("voucher.cli") for n in imports_of(path)), path


def test_services_never_commit():
    for path in modules("services"):
        assert ".commit()" not in path.read_text(encoding="utf-8"), path


def test_views_never_commit_only_the_request_wrapper_does():
    for path in modules("web"):
        if path == ROOT / "web" / "db.py":
            continue
        assert ".commit()" not in path.read_text(encoding="utf-8"), path


def test_no_module_is_past_four_hundred_lines_once_formatted():
    long = {
        str(p.relative_to(ROOT)): n
        for p in modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}
