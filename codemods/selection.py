"""Which rules a run selects, as plain data from the generated manifest (no libcst import):
the text step's candidates for each file (``api``), and what the engine's later fix passes
choose from, importing only the rules they choose."""

from __future__ import annotations

from typing import Dict, FrozenSet, List, Optional

from .model import RuleInfo, Safety


def rule_infos() -> List[RuleInfo]:
    """Every rule, from the generated manifest (no libcst import), unless the manifest is
    missing a rule module or names one that is gone (a checkout mid-change)."""
    from .manifest import RULES

    if {row["key"] for row in RULES} != _rule_module_keys():
        from .registry import all_rules

        return [rule.info() for rule in all_rules()]
    return [
        RuleInfo(**{**row, "safety": Safety(row["safety"]), "min_python": tuple(row["min_python"])})
        for row in RULES
    ]


_cached_infos: List[RuleInfo] = []
_selected: Dict[Optional[FrozenSet[str]], List[RuleInfo]] = {}


def selected_infos(select: Optional[FrozenSet[str]]) -> List[RuleInfo]:
    """The same list for the same selection, file after file (the prefilter remembers what it
    learns about a list)."""
    if select not in _selected:
        _selected[select] = [
            info for info in every_info() if (info.code in select if select is not None else info.selected_by_default)
        ]
    return _selected[select]


def every_info() -> List[RuleInfo]:
    """``rule_infos()``, read once."""
    if not _cached_infos:
        _cached_infos.extend(rule_infos())
    return _cached_infos


def _rule_module_keys() -> set:
    import os

    from . import rules

    return {
        name[:-3]
        for folder in rules.__path__
        for name in os.listdir(folder)
        if name.startswith("aio") and name.endswith(".py")
    }
