"""The engine's public face: plain data in and out, nothing that needs libcst to read.

``process_source`` is the one entry point; a batch runner may split it in two,
``prepare`` (cheap, in the parent) and ``process_prepared`` (in a worker)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, FrozenSet, List, Optional, Sequence, Tuple, Union

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
from .prefilter import T, package_named, rules_by_names, rules_by_text
from .selection import every_info, rule_infos, selected_infos  # noqa: F401  (rule_infos re-exported)

if TYPE_CHECKING:
    from contextvars import ContextVar

    from .source import DecodedSource

__all__ = [
    "fix_one", "noqa_edit",  # for editors (``cli/server``)
    "NEWEST_TARGET", "OLDEST_TARGET", "BlackOptions", "DEFAULT_BLACK", "Edit", "FileResult", "Finding",
    "FixStatus", "Prepared", "RuleInfo", "Safety", "Settings", "Version", "black_options_from_pyproject",
    "decode_text", "format_version", "matched_packages", "parse_version", "prepare", "process_prepared",
    "process_source", "rule_infos", "ClassFacts", "ModuleFacts", "ProjectFacts", "module_facts",
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
        candidates = selected_infos(settings.select) if rules is None else _own(rules)
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
        pool = selected_infos(settings.select) if rules is None else _own(rules)
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
    return frozenset(filter(None, (package_named(anchor) for info in every_info() for anchor in info.anchors)))


def decode_text(data: bytes) -> str:
    """The text of a source as the engine reads it (for showing diffs). ValueError if undecodable."""
    from .source import UndecodableSource, decode

    try:
        return decode(data).text
    except UndecodableSource as exc:
        raise ValueError(str(exc)) from None


def fix_one(data: bytes, settings: Settings, finding: Finding) -> Optional[bytes]:
    """``data`` with only ``finding``'s fix applied, imports included, as `fix` writes a fix
    (verified, black formatting kept per ``settings``): an editor's quick fix. Safe or unsafe
    alike; None when the finding has no fix or is not found at its place in ``data``."""
    from .registry import rules_by_code

    rule = rules_by_code().get(finding.code)
    if rule is None or finding.fix is FixStatus.NONE:
        return None
    site = _only_site().set(_Site(finding))
    try:
        result = process_source(data, replace(settings, unsafe_fixes=True), fix=True, rules=_only_at_site(rule))
    finally:
        _only_site().reset(site)
    return result.new_source


def noqa_edit(text: str, lines: Tuple[int, int], code: str) -> Optional[Edit]:
    """The edit that silences ``code`` for a finding spanning ``lines`` with a `# noqa` where
    `check` honours it (``suppress.noqa_edit``), or None."""
    from .suppress import noqa_edit as edit

    return edit(text, lines, code)


class _Site:
    """Where the one finding to fix is, and the pass that reports it (the first: later passes
    see the rewritten source, where another site may have moved to the same place)."""

    def __init__(self, finding: Finding) -> None:
        self.where = (finding.line, finding.column, finding.end_line, finding.end_column)
        self.first_pass: object = None


@lru_cache(maxsize=None)
def _only_site() -> "ContextVar[Optional[_Site]]":
    """The site ``fix_one`` is fixing (made on first use: the command's start-up has no use for
    it)."""
    from contextvars import ContextVar

    return ContextVar("only_site", default=None)


@lru_cache(maxsize=None)
def _only_at_site(rule: type) -> Tuple[type, ...]:
    """``rule``, reporting only the site ``_only_site()`` names (one class per rule, kept: the
    engine and the prefilter remember things per class)."""

    def report(self, node, message, **kwargs) -> None:  # type: ignore[no-untyped-def]
        site = _only_site().get()
        if site is None:
            return
        if site.first_pass is None:
            site.first_pass = self.ctx
        where = self.ctx.position(node)
        if self.ctx is site.first_pass and site.where == (
            where.start.line, where.start.column + 1, where.end.line, where.end.column + 1
        ):
            rule.report(self, node, message, **kwargs)

    return (type(rule.__name__, (rule,), {"__abstract__": True, "report": report, "__module__": __name__}),)
