"""One invocation of `check` or `fix`: the settings it settled on before touching a file, its
outcomes in order, and what it says at the end."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import FrozenSet, Iterator, List, Tuple

from asyncio_upgrade.codemods.api import Finding, FixStatus, Safety, Settings, format_version, process_source, rule_infos
from asyncio_upgrade.codemods.formatting import black_options_from_pyproject

from . import config as config_module
from . import terminal
from .files import discover, gitignore_spec
from .formats import Reporter
from .options import RunOptions, UsageError
from .output import Tally, error
from .runner import Outcome, Runner
from .selection import FileSettings, chosen_target, selected_codes

_FIXABLE = (FixStatus.AVAILABLE, FixStatus.APPLIED)


class Run:
    """Everything one invocation settled on before touching a file. ``keep_format``: `fix`'s
    `--format/--no-format`."""

    def __init__(self, options: RunOptions, *, keep_format: bool = True) -> None:
        self.paths = options.paths or ["."]
        self.stdin_name = options.stdin_filename or "-"
        self.quiet, self.verbose = options.quiet, options.verbose and not options.quiet
        try:
            self.config = config_module.load(self.paths, options.config, options.isolated)
        except config_module.ConfigError as exc:
            raise UsageError(str(exc)) from None
        self.rules = rule_infos()
        self.target, self.target_source = chosen_target(options.target_version, self.config)
        self.unsafe = bool(options.unsafe_fixes if options.unsafe_fixes is not None else self.config.unsafe_fixes)
        base = Settings(
            target_version=self.target,
            select=selected_codes(self.rules, self.config, options.select, options.ignore),
            unsafe_fixes=self.unsafe,
            include_generated=options.include_generated,
            black=black_options_from_pyproject(self.config.black) if keep_format else None,
        )
        self.settings = FileSettings(base, self.rules, self.config)
        exclude = [*self.config.exclude, *self.config.extend_exclude]
        self.exclude = gitignore_spec(exclude) if exclude else None
        if options.jobs is not None and options.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        self.cache = None
        if not options.no_cache:
            from .cache import Cache, code_fingerprint, default_cache_dir  # --no-cache: no hashlib, json

            config_folder = self.config.path.parent if self.config.path else None
            folder = Path(options.cache_dir) if options.cache_dir else default_cache_dir(config_folder)
            self.cache = Cache(folder, code_fingerprint())
        self.runner = Runner(jobs=options.jobs, cache=self.cache)
        if self.verbose:
            print(f"target {format_version(self.target)} ({self.target_source}); "
                  f"{len(base.select or ())} rules; unsafe fixes {'on' if self.unsafe else 'off'}", file=sys.stderr)

    @property
    def rule_names(self) -> dict:
        return {rule.code: rule.name for rule in self.rules}

    def outcomes(self, *, fix: bool) -> Iterator[Outcome]:
        """Stdin first (if `-` was given), then every file, in order."""
        if "-" in self.paths:
            data = sys.stdin.buffer.read()
            path = Path(self.stdin_name)
            yield Outcome(path, data, process_source(data, self.settings.for_path(path), fix=fix), stdin=True)
        # Listed first (cheap: nothing is read) so that the progress bar knows the total.
        sources = list(discover([p for p in self.paths if p != "-"], self.exclude, self.config.root))
        work = ((source, self.settings.for_path(source.path)) for source in sources)
        yield from terminal.with_progress(self.runner.run(work, fix=fix), len(sources), not self.quiet)

    def findings_left(self, outcome: Outcome) -> List[Finding]:
        """What `check` finds in the rewritten source, at its positions there (as ruff reports
        after `--fix`)."""
        result = outcome.result
        checked = process_source(result.new_source, self.settings.for_path(outcome.path), fix=False)
        if checked.skipped is not None:  # cannot happen for a verified rewrite; never hide findings
            return [f for f in result.findings if f.fix is not FixStatus.APPLIED]
        return checked.findings

    def unsafe_sites(self, outcome: Outcome, reporter: Reporter) -> FrozenSet[Tuple[str, int, int]]:
        """With --unsafe-fixes an unsafe fix counts as available; a check without the flag tells
        which they are, so json and sarif can report their applicability truthfully."""
        safe_rules = {rule.code for rule in self.rules if rule.safety is Safety.SAFE}  # others: known by the rule
        if not self.unsafe or not reporter.shows_applicability or not any(
            f.fix in _FIXABLE and f.code in safe_rules for f in outcome.result.findings
        ):
            return frozenset()
        settings = replace(self.settings.for_path(outcome.path), unsafe_fixes=False)
        checked = process_source(outcome.original, settings, fix=False)
        return frozenset((f.code, f.line, f.column) for f in checked.findings if f.fix is FixStatus.UNSAFE)

    def finish(self, tally: Tally, mode: str) -> None:
        """Notes and, on a terminal, the summary table; ``mode`` is check, fix or diff."""
        if self.quiet:
            return
        note = tally.withheld_note(self.target, self.target_source)
        if note:
            print(note, file=sys.stderr)
        if terminal.is_terminal(sys.stderr) and tally.files > 1:
            names = self.rule_names
            terminal.summary_table(
                _summary_rows(tally, mode),
                [(code, names.get(code, ""), n) for code, n in sorted(tally.per_rule.items())],
            )
        if self.verbose:
            hits = f"; {self.cache.hits} answered from the cache" if self.cache is not None else ""
            print(f"{tally.files} files{hits}", file=sys.stderr)


def account(tally: Tally, name: str, outcome: Outcome) -> bool:
    """Count an outcome; False when the file could not be handled (already reported)."""
    tally.files += 1
    problem = outcome.problem or (outcome.result.skipped if outcome.result else None)
    if problem:
        error(f"{name}: {problem}")
        tally.errors += 1
        return False
    for finding in outcome.result.findings:
        tally.by_status[finding.fix] += 1
        tally.per_rule[finding.code] += 1
    tally.add_withheld(outcome.result.withheld_by_target)
    return True


def _summary_rows(tally: Tally, mode: str) -> List[Tuple[str, int]]:
    by_status = tally.by_status
    left = by_status[FixStatus.NONE] + by_status[FixStatus.UNSAFE]
    if mode == "check":
        rows = [("findings", tally.findings()), ("fixable", by_status[FixStatus.AVAILABLE])]
    elif mode == "diff":
        rows = [("files to change", tally.changed), ("fixes to apply", tally.fixes_applied), ("findings left", left)]
    else:
        rows = [("files changed", tally.changed), ("fixes applied", tally.fixes_applied), ("findings left", left)]
    return [
        ("files scanned", tally.files),
        *rows,
        ("withheld as unsafe", by_status[FixStatus.UNSAFE]),
        ("withheld by target", sum(tally.withheld.values())),
        ("could not be handled", tally.errors),
    ]
