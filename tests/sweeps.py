"""One result per golden case for the sweeps that run every rule on every fixture.

Several tests need what all rules together make of a case's input (the golden stability
check, the prefilter check, the CLI output checks): each case is processed once per test
session (per xdist worker) and shared.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from asyncio_upgrade.codemods.api import FileResult, process_source

from golden import Case


def all_rules(case: Case, *, fix: bool, prefilter: bool = True) -> FileResult:
    """Every rule on the case's input, with the case's own options (target, unsafe, format)."""
    return _all_rules(case.key, case.name, fix, prefilter)


@lru_cache(maxsize=None)
def _all_rules(key: str, name: str, fix: bool, prefilter: bool) -> FileResult:
    case = _cases()[key, name]
    return process_source(case.input_path.read_bytes(), case.settings(None, prefilter=prefilter), fix=fix)


@lru_cache(maxsize=1)
def _cases() -> dict:
    from golden import all_cases

    return {(case.key, case.name): case for case in all_cases()}


def fixed_input(case: Case) -> bytes:
    result = all_rules(case, fix=True)
    assert result.skipped is None, result.skipped
    return result.new_source if result.new_source is not None else case.input_path.read_bytes()
