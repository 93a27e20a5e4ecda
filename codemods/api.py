"""The engine's public face: plain data in and out, nothing that needs libcst to read.

``process_source`` is the one entry point; a batch runner may split it in two,
``prepare`` (cheap, in the parent) and ``process_prepared`` (in a worker)."""

from __future__ import annotations

from dataclasses import dataclass
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
from .formatting import DEFAULT_BLACK, BlackOptions, black_options_from_pyproject  # noqa: F401  (re-exported)
from .facts import ClassFacts, ModuleFacts, ProjectFacts, module_facts  # noqa: F401  (re-exported)
from .prefilter import T, rules_by_names, rules_by_text

if TYPE_CHECKING:
    from .source import DecodedSource

__all__ = [
    "NEWEST_TARGET", "OLDEST_TARGET", "BlackOptions", "DEFAULT_BLACK", "Edit", "FileResult", "Finding",
    "FixStatus", "Prepared", "RuleInfo", "Safety", "Settings", "Version", "black_options_from_pyproject",
    "decode_text", "format_version", "matched_packages", "parse_version", "prepare", "process_prepared",
    "process_source", "rule_infos", "ClassFacts", "ModuleFacts", "ProjectFacts", "module_facts",
]


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


@dataclass(frozen=True)
class Prepared:
    """A source past the text step: decoded once, with the codes of the rules its text may
    trigger. Small and picklable, so a batch runner can prepare in one process and finish
    in another without decoding twice."""

    decoded: "DecodedSource"
    codes: FrozenSet[str]


def process_source(
    data: bytes, settings: Settings, *, fix: bool, rules: Optional[Sequence[type]] = None
) -> FileResult:
    """Check (``fix=False``) or fix one source: every stage, in order. Never raises.

    ``rules`` replaces the registry (tests run rules of their own through it).
    """
    prepared = prepare(data, settings, rules)
    if isinstance(prepared, FileResult):
        return prepared
    return process_prepared(prepared, settings, fix=fix, rules=rules)


def prepare(data: bytes, settings: Settings, rules: Optional[Sequence[type]] = None) -> Union[FileResult, Prepared]:
    """Stages 1 and 2a: decode, the file's opt-outs, the text step. The result when that
    settles it (undecodable, opted out, no rule can fire), else what ``process_prepared``
    takes. Costs about a millisecond and imports no libcst. Never raises."""
    try:
        candidates = _selected_infos(settings.select) if rules is None else _own(rules)
        prepared = prepare_source(data, settings, candidates)
        if isinstance(prepared, FileResult):
            return prepared
        decoded, kept = prepared
        return Prepared(decoded, frozenset(rule.code for rule in kept))
    except Exception as exc:  # never raise into the CLI
        return _internal_error(exc)


def process_prepared(
    prepared: Prepared, settings: Settings, *, fix: bool, rules: Optional[Sequence[type]] = None
) -> FileResult:
    """Stage 2b (the names step) and, when a rule is left, the engine: parse, rules, fix
    passes, splice, format, verify (``codemods/engine.py``). Never raises."""
    try:
        pool = _selected_infos(settings.select) if rules is None else _own(rules)
        chosen = [rule for rule in pool if rule.code in prepared.codes]
        if settings.prefilter:
            chosen = rules_by_names(prepared.decoded.text, chosen)
        if not chosen:
            return FileResult()
    except Exception as exc:
        return _internal_error(exc)
    from .engine import process_decoded, selected_rules

    if rules is None:
        return process_decoded(prepared.decoded, settings, fix=fix, rules=selected_rules(settings, {r.code for r in chosen}))
    return process_decoded(prepared.decoded, settings, fix=fix, rules=chosen, pool=_own(rules))


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


def _own(rules: Sequence[type]) -> list:
    return list(rules)  # the caller's own rules replace the registry, selection and all


def _internal_error(exc: Exception) -> FileResult:
    return FileResult(skipped=f"internal error: {type(exc).__name__}: {exc}; left unchanged", internal_error=True)


def matched_packages() -> FrozenSet[str]:
    """The top-level packages whose names some rule matches (``asyncio``, ``time``,
    ``async_timeout``...): a project's own module of one of these names is first-party."""
    return frozenset(
        anchor.partition(".")[0]
        for info in _infos()
        for anchor in info.anchors
        if not anchor.startswith(("builtins", "await "))
    )


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
