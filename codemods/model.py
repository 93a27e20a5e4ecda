"""Plain result types shared by the engine and the CLI (no libcst here)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, FrozenSet, Optional, Tuple

if TYPE_CHECKING:
    from .facts import ProjectFacts

Version = Tuple[int, int]

OLDEST_TARGET: Version = (3, 9)
NEWEST_TARGET: Version = (3, 15)


class Safety(enum.Enum):
    """How a rule's fix may be applied."""

    SAFE = "safe"  # applied by `fix`
    UNSAFE = "unsafe"  # applied only with --unsafe-fixes
    REPORT = "report-only"  # never rewritten


class FixStatus(enum.Enum):
    """What happened, or could happen, to one finding."""

    APPLIED = "applied"
    AVAILABLE = "available"  # a safe fix `fix` would apply
    UNSAFE = "unsafe"  # needs --unsafe-fixes
    NONE = "none"  # report only


def format_version(version: Version) -> str:
    return f"py{version[0]}{version[1]}"


def parse_version(text: str) -> Version:
    """``py311`` or ``3.11`` -> (3, 11); ValueError otherwise."""
    raw = text.strip().lower()
    if raw.startswith("py") and raw[2:].isdigit() and len(raw) >= 4:
        return (int(raw[2]), int(raw[3:]))
    major, _, minor = raw.partition(".")
    if major.isdigit() and minor.isdigit():
        return (int(major), int(minor))
    raise ValueError(f"not a Python version: {text!r} (expected e.g. py311)")


@dataclass(frozen=True)
class Settings:
    target_version: Version = OLDEST_TARGET
    # Rule codes to run; None runs the default selection (every rule but the AIO9xx opt-ins).
    select: Optional[FrozenSet[str]] = None
    unsafe_fixes: bool = False
    # False turns off the text prefilter (tests prove it drops nothing).
    prefilter: bool = True
    # Files marked `@generated` in their first lines are left alone unless this is set.
    include_generated: bool = False
    # Black options (see formatting.BlackOptions): a file black-formatted before a fix is
    # black-formatted after it. None turns this off.
    black: Optional[Tuple[int, bool, bool, bool, Tuple[str, ...]]] = None
    # Rule codes whose unsafe fixes count as safe, and whose safe fixes count as unsafe (ruff's
    # extend-safe-fixes / extend-unsafe-fixes; the CLI resolves prefixes, the two are disjoint).
    extend_safe_fixes: FrozenSet[str] = frozenset()
    extend_unsafe_fixes: FrozenSet[str] = frozenset()
    # Top-level modules and packages of the project being processed that share a name a rule
    # matches (``async_timeout``, ``requests``...): there they mean the project's own code.
    first_party: FrozenSet[str] = frozenset()
    # What other modules of the project say about the names this file imports
    # (``facts.ProjectFacts``); None: nothing is known beyond the file.
    facts: Optional["ProjectFacts"] = None

    def fix_is_unsafe(self, code: str, unsafe: bool) -> bool:
        """Whether a fix of rule ``code`` that the rule judged ``unsafe`` needs --unsafe-fixes."""
        if code in self.extend_unsafe_fixes:
            return True
        if code in self.extend_safe_fixes:
            return False
        return unsafe

    def key(self) -> str:
        """Every field, spelled the same in every process (sets sorted): for cache keys."""
        parts = []
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, frozenset):
                value = sorted(value)
            elif name == "facts" and value is not None:
                value = value.digest()
            parts.append(f"{name}={value!r}")
        return "|".join(parts)


@dataclass(frozen=True)
class Edit:
    """One replaced span of the original source (1-based lines, 0-based columns)."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    message: str
    line: int  # 1-based
    column: int  # 1-based, as ruff prints it
    end_line: int
    end_column: int
    fix: FixStatus
    edits: Tuple[Edit, ...] = ()
    # Its fix needs --unsafe-fixes, whether or not this run allows them (ruff's applicability).
    unsafe: bool = False


@dataclass
class FileResult:
    """What the engine made of one source.

    ``new_source`` is None when nothing changed (or nothing was asked to change).
    ``skipped`` holds a one-line reason when the source could not be handled; then
    the source must be left exactly as it was.
    """

    findings: list = field(default_factory=list)
    new_source: Optional[bytes] = None
    fixes_applied: int = 0
    # fixes not offered because the target is too old: minimum version -> count
    withheld_by_target: Dict[Version, int] = field(default_factory=dict)
    skipped: Optional[str] = None
    # True when a skip is the tool's fault rather than the file's.
    internal_error: bool = False
    parsed: bool = False
    # After a fix: what `check` finds in ``new_source``, at its positions there, when the engine
    # already knows it (the last fix pass saw exactly that text); else None: ask `check`.
    findings_after: Optional[list] = None

    @property
    def changed(self) -> bool:
        return self.new_source is not None


@dataclass(frozen=True)
class ImportRequest:
    """An import a fix needs (or may leave unused): ``import module as asname`` or
    ``from module import obj as asname``."""

    module: str
    obj: Optional[str] = None
    asname: Optional[str] = None


@dataclass(frozen=True)
class RuleInfo:
    """A rule's contract, as plain data (its docs: ``registry.rule_docs``)."""

    code: str
    name: str
    key: str
    summary: str
    min_python: Version
    safety: Safety
    equivalent_codes: Tuple[str, ...]
    trigger_words: Tuple[str, ...]
    anchors: Tuple[str, ...] = ()  # short: ``asyncio.*.gather`` (``prefilter.expanded_anchors``)
    needs_async_def: bool = False
    selected_by_default: bool = True  # False: an opt-in, run only when selected explicitly
    facts_words: Tuple[str, ...] = ()  # a file with one of these is handed project facts
