"""The engine's public face: plain data in and out, nothing that needs libcst to read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Sequence, Tuple, Union

from .model import (  # noqa: F401  (re-exported)
    NEWEST_TARGET,
    OLDEST_TARGET,
    Edit,
    FileResult,
    Finding,
    FixStatus,
    RuleInfo,
    Safety,
    Settings,
    Version,
    format_version,
    parse_version,
)
from .prefilter import T, rules_by_names, rules_by_text

if TYPE_CHECKING:
    from .source import DecodedSource


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


def process_source(data: bytes, settings: Settings, *, fix: bool) -> FileResult:
    """Check (``fix=False``) or fix one source. Never raises.

    Sources that no selected rule can fire on (``codemods/prefilter.py``) are answered here,
    without importing libcst.
    """
    try:
        prepared = _prepare(data, settings)
        if isinstance(prepared, FileResult):
            return prepared
        decoded, infos = prepared
        if settings.prefilter:
            infos = rules_by_names(decoded.text, infos)
        if not infos:
            return FileResult()
    except Exception as exc:  # never raise into the CLI
        return FileResult(skipped=f"internal error: {type(exc).__name__}: {exc}; left unchanged", internal_error=True)
    from .engine import process_decoded, selected_rules

    rules = selected_rules(settings, {info.code for info in infos})
    return process_decoded(decoded, settings, fix=fix, rules=rules)


def answered_by_text(data: bytes, settings: Settings) -> Optional[FileResult]:
    """The result for a source when its text alone settles it (no selected rule's words are
    in it, it cannot be decoded, it opts out), else None: it must go to ``process_source``.
    Costs about a millisecond, so a batch runner can keep such files out of its workers."""
    try:
        prepared = _prepare(data, settings)
    except Exception:
        return None
    return prepared if isinstance(prepared, FileResult) else None


def _prepare(data: bytes, settings: Settings) -> Union[FileResult, Tuple["DecodedSource", List[RuleInfo]]]:
    return prepare_source(data, settings, _selected_infos(settings.select))


def prepare_source(
    data: bytes, settings: Settings, candidates: Sequence[T]
) -> Union[FileResult, Tuple["DecodedSource", List[T]]]:
    """The decoded source and the ``candidates`` (rules, or their infos) its text may trigger,
    or the result when that already settles it: undecodable, opted out, no rule left."""
    from .source import UndecodableSource, decode
    from .suppress import file_opt_out

    try:
        decoded = decode(data)
    except UndecodableSource as exc:
        return FileResult(skipped=str(exc))
    if file_opt_out(decoded.text, settings.include_generated):
        return FileResult()
    kept = rules_by_text(decoded.text, candidates) if settings.prefilter else list(candidates)
    return (decoded, kept) if kept else FileResult()


_cached_infos: List[RuleInfo] = []
_selected: Dict[Optional[FrozenSet[str]], List[RuleInfo]] = {}


def _selected_infos(select: Optional[FrozenSet[str]]) -> List[RuleInfo]:
    """The same list for the same selection, file after file (the prefilter remembers what it
    learns about a list)."""
    if select not in _selected:
        _selected[select] = [info for info in _infos() if select is None or info.code in select]
    return _selected[select]


def _infos() -> List[RuleInfo]:
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


def decode_text(data: bytes) -> str:
    """The text of a source as the engine reads it (for showing diffs). ValueError if undecodable."""
    from .source import UndecodableSource, decode

    try:
        return decode(data).text
    except UndecodableSource as exc:
        raise ValueError(str(exc)) from None
