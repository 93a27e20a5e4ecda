"""Modules imported on first use. ``libcst.matchers`` alone takes 0.3 s to import (thousands of
generated dataclasses), more than checking a small file: the pre-commit hook on a handful of
files should not pay it unless a rule really matches with it."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """``name``, loaded when one of its attributes is first read."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None, name
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


matchers = lazy_module("libcst.matchers")
