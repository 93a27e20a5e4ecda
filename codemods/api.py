"""The engine's public face: plain data in and out, nothing that needs libcst to read."""

from __future__ import annotations

from typing import List

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

    Sources that contain none of the selected rules' trigger words are answered here,
    without importing libcst.
    """
    if settings.prefilter and not _may_trigger(data, settings):
        return FileResult()
    from .engine import process_source as run

    return run(data, settings, fix=fix)


def _may_trigger(data: bytes, settings: Settings) -> bool:
    try:
        text = decode_text(data)
    except ValueError:
        return True  # let the engine report it
    return any(
        word in text
        for info in _infos()
        if settings.select is None or info.code in settings.select
        for word in info.trigger_words
    )


_cached_infos: List[RuleInfo] = []


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
