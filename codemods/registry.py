"""Discovers the rules: every ``aioNNN_*`` module in ``codemods/rules`` holds one rule."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from functools import lru_cache
from types import ModuleType
from typing import Dict, List, Type

from . import rules as rules_package
from .rule import Rule

_KEY = re.compile(r"^aio[1-9][0-9]{2}_[a-z0-9_]+$")


@lru_cache(maxsize=None)
def all_rules() -> List[Type[Rule]]:
    found: List[Type[Rule]] = []
    for module_info in sorted(pkgutil.iter_modules(rules_package.__path__), key=lambda m: m.name):
        key = module_info.name
        if key.startswith("_"):
            continue
        if not _KEY.match(key):
            raise TypeError(f"rule module {key!r} must be named like aio201_gather_to_taskgroup")
        found.append(rule_in(key))
    codes = [r.code for r in found]
    duplicates = {c for c in codes if codes.count(c) > 1}
    if duplicates:
        raise TypeError(f"rule codes used twice: {sorted(duplicates)}")
    return found


@lru_cache(maxsize=None)
def rule_in(key: str) -> Type[Rule]:
    """The rule of the module ``key``, imported alone (a run whose files need two rules
    imports two modules, not every rule and the kit behind them)."""
    module = importlib.import_module(f"{rules_package.__name__}.{key}")
    classes = [
        obj
        for obj in vars(module).values()
        # (modules first: looking at a lazy module's class would load it)
        if not isinstance(obj, ModuleType) and isinstance(obj, type) and issubclass(obj, Rule)
        and obj.__module__ == module.__name__
    ]
    if len(classes) != 1:
        raise TypeError(f"rule module {key} must define exactly one Rule subclass, found {len(classes)}")
    rule = classes[0]
    if key[:6] != rule.code.lower():
        raise TypeError(f"rule module {key} holds {rule.code}: the module must start with its code")
    rule.key = key
    return rule


def rules_by_code() -> Dict[str, Type[Rule]]:
    return {rule.code: rule for rule in all_rules()}


def rule_docs(code: str) -> str:
    """A rule's documentation (markdown: the summary, ``## Why``, ``## Fix safety``,
    ``## Limitations``): its class docstring. Imports the rules; the manifest carries no docs."""
    return inspect.cleandoc(rules_by_code()[code].__doc__ or "")
