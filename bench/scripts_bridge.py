"""Load a ``scripts/bench_*.py`` file as a module, so that ``scripts/bench`` runs the same
code as the stand-alone script (one implementation per benchmark)."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from bench.common import ROOT


def load(stem: str) -> ModuleType:
    name = f"_bench_script_{stem}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{stem}.py")
    if spec is None or spec.loader is None:
        raise ImportError(stem)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
