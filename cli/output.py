"""How findings, diffs and summaries are printed."""

from __future__ import annotations

import difflib
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, TextIO

from asyncio_upgrade.codemods.api import Finding, FixStatus, Version, format_version

# An APPLIED finding is shown only by `fix --diff` machine formats: the diff would fix it, as `[*]` says.
_MARKS = {FixStatus.AVAILABLE: " [*]", FixStatus.UNSAFE: " [* unsafe]", FixStatus.APPLIED: " [*]"}


def finding_line(path: str, finding: Finding) -> str:
    return f"{path}:{finding.line}:{finding.column}: {finding.code} {finding.message}{_MARKS.get(finding.fix, '')}"


def unified_diff(path: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(
        _lines(before), _lines(after), fromfile=path, tofile=path
    )
    return "".join(lines)


def _lines(text: str) -> List[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


def error(message: str, stream: Optional[TextIO] = None) -> None:
    print(f"asyncio-upgrade: error: {message}", file=stream or sys.stderr)


@dataclass
class Tally:
    files: int = 0
    changed: int = 0
    errors: int = 0
    fixes_applied: int = 0
    by_status: Counter = field(default_factory=Counter)
    per_rule: Counter = field(default_factory=Counter)
    withheld: Dict[Version, int] = field(default_factory=dict)
    left: int = 0  # after `fix`: the findings a `check` of the fixed files would report

    def add_withheld(self, withheld: Dict[Version, int]) -> None:
        for version, count in withheld.items():
            self.withheld[version] = self.withheld.get(version, 0) + count

    def findings(self) -> int:
        return sum(self.by_status.values())

    def check_summary(self) -> str:
        total = self.findings()
        if not total and self.errors:
            return f"No findings; {_plural(self.errors, 'file')} could not be handled."
        if not total:
            return f"All checks passed ({_plural(self.files, 'file')})."
        fixable = self.by_status[FixStatus.AVAILABLE]
        unsafe = self.by_status[FixStatus.UNSAFE]
        text = f"Found {_plural(total, 'finding')}."
        if fixable or unsafe:
            text += f"\n[*] {fixable} fixable with `asyncio-upgrade fix`"
            text += f" ({unsafe} more with `--unsafe-fixes`)." if unsafe else "."
        return text

    def fix_summary(self) -> str:
        text = f"Fixed {_plural(self.fixes_applied, 'finding')} in {_plural(self.changed, 'file')}"
        if self.left:
            text += f"; {_plural(self.left, 'finding')} left (see `asyncio-upgrade check`)"
        return text + "."

    def withheld_note(self, target: Version, source: str) -> str:
        if not self.withheld:
            return ""
        parts = [
            f"{_plural(count, 'fix', 'fixes')} need --target-version {format_version(version)}"
            for version, count in sorted(self.withheld.items())
        ]
        return f"note: {', '.join(parts)} (target is {format_version(target)}{', from ' + source if source else ''})."


def _plural(count: int, word: str, plural: str = "") -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"
