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
    from .registry import all_rules

    return [rule.info() for rule in all_rules()]


def process_source(data: bytes, settings: Settings, *, fix: bool) -> FileResult:
    """Check (``fix=False``) or fix one source. Never raises."""
    from .engine import process_source as run

    return run(data, settings, fix=fix)


def decode_text(data: bytes) -> str:
    """The text of a source as the engine reads it (for showing diffs). ValueError if undecodable."""
    from .source import UndecodableSource, decode

    try:
        return decode(data).text
    except UndecodableSource as exc:
        raise ValueError(str(exc)) from None
