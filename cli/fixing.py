"""What `fix` does with each file's outcome: echo stdin, show or write the fix, report what is
left, and count it."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import replace
from typing import Dict, List, Optional

from asyncio_upgrade.codemods.api import FileResult, Finding, FixStatus, decode_text

from . import terminal
from .formats import Reporter
from .output import Tally, error, unified_diff
from .run import Run, account
from .runner import Outcome
from .writer import write_if_unchanged


class Fixer:
    """``diff``: show the fixes instead of writing them. ``reporter``: a machine format's, which
    replaces the diff on stdout (None for text)."""

    def __init__(self, run: Run, *, diff: bool, reporter: Optional[Reporter]) -> None:
        self.run = run
        self.diff = diff
        self.reporter = reporter
        self.tally = Tally()
        self.fixed: Dict[str, Counter] = {}  # codes fixed, per file

    def handle(self, outcome: Outcome) -> None:
        name = str(outcome.path)
        handled = account(self.tally, name, outcome)
        if outcome.stdin and not self.diff:
            _echo(outcome, handled)
        if not handled:
            return
        if not outcome.result.changed:
            self.tally.left += sum(f.fix is not FixStatus.APPLIED for f in outcome.result.findings)
            self._report(name, _not_applied(outcome.result.findings))
        elif self.diff:
            self._show(name, outcome)
        else:
            self._write(name, outcome)

    def print_fixes(self) -> None:
        """`--show-fixes`: what was fixed in each file, on stderr."""
        if not self.fixed:
            return
        names = self.run.rule_names
        print("Fixes:", file=sys.stderr)
        for name, counts in self.fixed.items():
            print(f"- {name}:", file=sys.stderr)
            for code, count in sorted(counts.items()):
                print(f"    {count} × {code} ({names.get(code, '')})", file=sys.stderr)

    def _show(self, name: str, outcome: Outcome) -> None:
        result = outcome.result
        if self.reporter:
            # APPLIED: what the diff would apply
            self.reporter.add(name, result.findings)
        else:
            terminal.print_diff(unified_diff(name, decode_text(outcome.original), decode_text(result.new_source)))
        self.tally.left += len(self.run.findings_left(outcome))
        self._count_fixed(name, result)

    def _write(self, name: str, outcome: Outcome) -> None:
        result = outcome.result
        if not outcome.stdin:  # stdin's fix went to stdout already
            problem = write_if_unchanged(outcome.path, outcome.original, result.new_source)
            if problem:
                error(f"{name}: {problem}")
                self.tally.errors += 1
                self._report(name, _not_applied(result.findings))
                return
            print(f"Rewriting {name}", file=sys.stderr)
        left = self.run.findings_left(outcome)
        self.tally.left += len(left)
        if self.reporter:
            self.reporter.add(name, left)
        self._count_fixed(name, result)

    def _report(self, name: str, findings: List[Finding]) -> None:
        if self.reporter:
            self.reporter.add(name, findings)

    def _count_fixed(self, name: str, result: FileResult) -> None:
        self.tally.changed += 1
        self.tally.fixes_applied += result.fixes_applied
        self.fixed[name] = Counter(f.code for f in result.findings if f.fix is FixStatus.APPLIED)


def _echo(outcome: Outcome, handled: bool) -> None:
    """Fixing stdin always echoes the source, fixed or not (and unchanged on errors)."""
    result = outcome.result
    changed = handled and result.changed
    sys.stdout.buffer.write(result.new_source if changed else (outcome.original or b""))
    sys.stdout.flush()


def _not_applied(findings: List[Finding]) -> List[Finding]:
    """Findings of a fix that was not written: what was fixable is still fixable."""
    return [replace(f, fix=FixStatus.AVAILABLE) if f.fix is FixStatus.APPLIED else f for f in findings]
