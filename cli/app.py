"""The `asyncio-upgrade` command: check, fix, rules, explain."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Callable, Dict, FrozenSet, Iterator, List, Optional, Tuple

import typer

from asyncio_upgrade.codemods.api import (
    OLDEST_TARGET,
    Finding,
    FixStatus,
    RuleInfo,
    Safety,
    Settings,
    decode_text,
    format_version,
    process_source,
    rule_infos,
)

from . import config as config_module
from . import terminal
from asyncio_upgrade.codemods.formatting import black_options_from_pyproject

from .files import discover, gitignore_spec
from .formats import Reporter, edits_lines, format_option
from .formats import statistics as format_statistics
from .output import Tally, error, unified_diff
from .runner import Outcome, Runner
from .version import installed_version
from .writer import write_if_unchanged

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Find asyncio anti-patterns and rewrite them into current best practice, safely.",
)


class UsageError(Exception):
    """A one-line problem with how the command was called (exit 2)."""


PATHS = typer.Argument(None, help="Files or folders to process (default: .); `-` reads stdin.", show_default=False)
SELECT = typer.Option(None, "--select", help="Rule codes or prefixes to run (comma-separated; e.g. AIO2,AIO101).")
IGNORE = typer.Option(None, "--ignore", help="Rule codes or prefixes to skip.")
TARGET = typer.Option(None, "--target-version", help="Oldest Python the code must run on (py39 … py315). Default: requires-python, else py39.")
UNSAFE = typer.Option(None, "--unsafe-fixes/--no-unsafe-fixes", help="Also apply fixes that can change behaviour (each rule documents how).")
CONFIG = typer.Option(None, "--config", help="Read settings from this pyproject.toml instead of the nearest one.")
ISOLATED = typer.Option(False, "--isolated", help="Ignore every configuration file.")
STDIN_NAME = typer.Option(None, "--stdin-filename", help="The path to report for `-` (stdin).")
JOBS = typer.Option(None, "--jobs", "-j", help="Worker processes for large batches (default: all cores).")
NO_CACHE = typer.Option(False, "--no-cache", help="Neither read nor write the result cache.")
CACHE_DIR = typer.Option(None, "--cache-dir", help="Where to keep the cache (default: .asyncio_upgrade_cache beside pyproject.toml).")
GENERATED = typer.Option(False, "--include-generated", help="Also process files marked @generated.")
OUTPUT_FORMAT = typer.Option(
    None, "--output-format",
    help="text (default), json, github, sarif or junit. `fix` reports the findings left after fixing; "
    "`fix --diff` the ones it would fix, with their edits, and the rest.",
)
SHOW_FIXES = typer.Option(False, "--show-fixes", help="Show each fix: the edits under each finding, or what `fix` changed per file.")
FORMAT = typer.Option(True, "--format/--no-format", help="Keep black-formatted files black-formatted after a fix (default: on).")
QUIET = typer.Option(False, "--quiet", "-q", help="Print findings, diffs and errors only: no summary, notes or progress bar.")
VERBOSE = typer.Option(False, "--verbose", "-v", help="Also say where settings came from and how many files the cache answered.")
TRACEBACK = typer.Option(False, "--show-traceback", help="Show the full traceback of an internal error.")


class Run:
    """Everything one invocation settled on before touching a file."""

    def __init__(
        self,
        paths: Optional[List[str]],
        select: Optional[List[str]],
        ignore: Optional[List[str]],
        target: Optional[str],
        unsafe: Optional[bool],
        config_path: Optional[str],
        isolated: bool,
        jobs: Optional[int],
        no_cache: bool,
        cache_dir: Optional[str],
        include_generated: bool,
        stdin_filename: Optional[str],
        quiet: bool,
        verbose: bool,
        keep_format: bool = True,
    ) -> None:
        self.paths = paths or ["."]
        self.stdin_name = stdin_filename or "-"
        self.quiet, self.verbose = quiet, verbose and not quiet
        try:
            self.config = config_module.load(self.paths, config_path, isolated)
        except config_module.ConfigError as exc:
            raise UsageError(str(exc)) from None
        self.rules = rule_infos()
        self.target, self.target_source = self._target(target)
        self.unsafe = bool(unsafe if unsafe is not None else self.config.unsafe_fixes)
        self.include_generated = include_generated
        self.black = black_options_from_pyproject(self.config.black) if keep_format else None
        self.selected = self._selection(_split(select) if select else None, _split(ignore))
        every = _matching(self.rules, ["ALL"], "")
        self._per_file = {
            glob: (
                gitignore_spec([glob]),
                every - _matching(self.rules, codes, f"{self.config.path}: `per-file-ignores` ({glob}): "),
            )
            for glob, codes in self.config.per_file_ignores.items()
        }
        self._settings_cache: Dict[FrozenSet[str], Settings] = {}
        exclude = [*self.config.exclude, *self.config.extend_exclude]
        self.exclude = gitignore_spec(exclude) if exclude else None
        if jobs is not None and jobs < 1:
            raise UsageError("--jobs must be at least 1")
        self.cache = None
        if not no_cache:
            from .cache import Cache, code_fingerprint, default_cache_dir  # --no-cache: no hashlib, json

            folder = Path(cache_dir) if cache_dir else default_cache_dir(self.config.path.parent if self.config.path else None)
            self.cache = Cache(folder, code_fingerprint())
        self.runner = Runner(jobs=jobs, cache=self.cache)
        if self.verbose:
            print(f"target {format_version(self.target)} ({self.target_source}); "
                  f"{len(self.selected)} rules; unsafe fixes {'on' if self.unsafe else 'off'}", file=sys.stderr)

    def _selection(self, select: Optional[List[str]], ignore: List[str]) -> FrozenSet[str]:
        """ruff's layering: the configuration's `select` minus its `ignore`, then the command line:
        `--select` replaces that selection (the configured `ignore` with it), `--ignore` narrows it."""
        config, path = self.config, self.config.path
        configured = _matching(self.rules, config.select if config.select is not None else ["ALL"], f"{path}: `select`: ")
        configured -= _matching(self.rules, config.ignore, f"{path}: `ignore`: ")
        chosen = _matching(self.rules, select, "--select: ") if select is not None else configured
        return chosen - _matching(self.rules, ignore, "--ignore: ")

    def _target(self, flag: Optional[str]):
        if flag:
            try:
                return config_module.parse_target(flag), "--target-version"
            except ValueError as exc:
                raise UsageError(f"--target-version: {exc}") from None
        if self.config.target_version:
            return self.config.target_version, self.config.target_source
        return OLDEST_TARGET, "the default; no requires-python found"

    def settings_for(self, path: Path) -> Settings:
        codes = self.selected
        if self._per_file:
            relative = _relative(path, self.config.root)
            for spec, allowed in self._per_file.values():
                if spec.match_file(relative):
                    codes = codes & allowed
        if codes not in self._settings_cache:
            self._settings_cache[codes] = Settings(
                target_version=self.target,
                select=codes,
                unsafe_fixes=self.unsafe,
                include_generated=self.include_generated,
                black=self.black,
            )
        return self._settings_cache[codes]

    def outcomes(self, *, fix: bool) -> Iterator[Outcome]:
        """Stdin first (if `-` was given), then every file, in order."""
        if "-" in self.paths:
            data = sys.stdin.buffer.read()
            path = Path(self.stdin_name)
            yield Outcome(path, data, process_source(data, self.settings_for(path), fix=fix), stdin=True)
        # Listed first (cheap: nothing is read) so that the progress bar knows the total.
        sources = list(discover([p for p in self.paths if p != "-"], self.exclude, self.config.root))
        work = ((source, self.settings_for(source.path)) for source in sources)
        yield from terminal.with_progress(self.runner.run(work, fix=fix), len(sources), not self.quiet)

    def finish(self, tally: Tally, mode: str) -> None:
        """Notes and, on a terminal, the summary table; ``mode`` is check, fix or diff."""
        if self.quiet:
            return
        note = tally.withheld_note(self.target, self.target_source)
        if note:
            print(note, file=sys.stderr)
        if terminal.is_terminal(sys.stderr) and tally.files > 1:
            names = {r.code: r.name for r in self.rules}
            terminal.summary_table(
                _summary_rows(tally, mode),
                [(code, names.get(code, ""), n) for code, n in sorted(tally.per_rule.items())],
            )
        if self.verbose:
            hits = f"; {self.cache.hits} answered from the cache" if self.cache is not None else ""
            print(f"{tally.files} files{hits}", file=sys.stderr)


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


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _split(values: Optional[List[str]]) -> List[str]:
    return [part.strip().upper() for value in values or [] for part in value.split(",") if part.strip()]


def _matching(rules: List[RuleInfo], tokens: List[str], where: str) -> FrozenSet[str]:
    """The codes that rule codes or prefixes (or `ALL`) name; an unknown one is a usage error
    that says ``where`` it was written."""
    codes = [rule.code for rule in rules]
    for token in tokens:
        if token.upper() != "ALL" and not any(code.startswith(token.upper()) for code in codes):
            raise UsageError(f"{where}unknown rule code or prefix `{token}` (see `asyncio-upgrade rules`)")
    return frozenset(code for code in codes if any(t.upper() == "ALL" or code.startswith(t.upper()) for t in tokens))


def _guard(body: Callable[[], int]) -> None:
    try:
        code = body()
    except UsageError as exc:
        error(str(exc))
        code = 2
    except KeyboardInterrupt:  # typer would exit 130 without a word
        error("interrupted")
        code = 130
    raise typer.Exit(code)


def _output_format(value: Optional[str]) -> str:
    try:
        return format_option(value)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _not_applied(findings: List[Finding]) -> List[Finding]:
    """Findings of a fix that was not written: what was fixable is still fixable."""
    return [replace(f, fix=FixStatus.AVAILABLE) if f.fix is FixStatus.APPLIED else f for f in findings]


def _remaining(run: Run, outcome: Outcome) -> List[Finding]:
    """What `check` finds in the rewritten source, at its positions there (as ruff reports after
    `--fix`)."""
    result = outcome.result
    checked = process_source(result.new_source, run.settings_for(outcome.path), fix=False)
    if checked.skipped is not None:  # cannot happen for a verified rewrite; never hide findings
        return [f for f in result.findings if f.fix is not FixStatus.APPLIED]
    return checked.findings


def _unsafe_sites(run: Run, outcome: Outcome, reporter: Reporter) -> FrozenSet[Tuple[str, int, int]]:
    """With --unsafe-fixes an unsafe fix counts as available; a check without the flag tells
    which they are, so json and sarif can report their applicability truthfully."""
    fixable = (FixStatus.AVAILABLE, FixStatus.APPLIED)
    safe_rules = {rule.code for rule in run.rules if rule.safety is Safety.SAFE}  # others: known by the rule
    if not run.unsafe or not reporter.shows_applicability or not any(f.fix in fixable and f.code in safe_rules for f in outcome.result.findings):
        return frozenset()
    settings = replace(run.settings_for(outcome.path), unsafe_fixes=False)
    checked = process_source(outcome.original, settings, fix=False)
    return frozenset((f.code, f.line, f.column) for f in checked.findings if f.fix is FixStatus.UNSAFE)


def _account(tally: Tally, name: str, outcome: Outcome) -> bool:
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


@app.command()
def check(
    paths: Optional[List[str]] = PATHS,
    select: Optional[List[str]] = SELECT,
    ignore: Optional[List[str]] = IGNORE,
    target_version: Optional[str] = TARGET,
    unsafe_fixes: Optional[bool] = UNSAFE,
    config: Optional[str] = CONFIG,
    isolated: bool = ISOLATED,
    stdin_filename: Optional[str] = STDIN_NAME,
    exit_zero: bool = typer.Option(False, "--exit-zero", help="Exit 0 even when there are findings."),
    output_format: Optional[str] = OUTPUT_FORMAT,
    statistics: bool = typer.Option(False, "--statistics", help="Print how many findings each rule has."),
    show_fixes: bool = SHOW_FIXES,
    jobs: Optional[int] = JOBS,
    no_cache: bool = NO_CACHE,
    cache_dir: Optional[str] = CACHE_DIR,
    include_generated: bool = GENERATED,
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
    show_traceback: bool = TRACEBACK,
) -> None:
    """Report anti-patterns: `path:line:col: CODE message`; exit 1 if any."""

    def body() -> int:
        fmt = _output_format(output_format)
        run = Run(paths, select, ignore, target_version, unsafe_fixes, config, isolated, jobs, no_cache,
                  cache_dir, include_generated, stdin_filename, quiet, verbose)
        tally = Tally()
        reporter = Reporter(fmt, run.rules, show_fixes=show_fixes)
        for outcome in run.outcomes(fix=False):
            name = str(outcome.path)
            if _account(tally, name, outcome):
                reporter.add(name, outcome.result.findings, _unsafe_sites(run, outcome, reporter))
        reporter.finish()
        side = sys.stdout if fmt == "text" else sys.stderr
        if statistics and tally.per_rule:
            print(format_statistics(tally.per_rule, {r.code: r.name for r in run.rules}), file=side)
        if not quiet:
            print(tally.check_summary(), file=side)
        run.finish(tally, "check")
        if tally.errors:
            return 2
        return 1 if tally.findings() and not exit_zero else 0

    _guard(body)


@app.command()
def fix(
    paths: Optional[List[str]] = PATHS,
    diff: bool = typer.Option(False, "--diff", help="Print a unified diff of the fixes; write nothing."),
    select: Optional[List[str]] = SELECT,
    ignore: Optional[List[str]] = IGNORE,
    target_version: Optional[str] = TARGET,
    unsafe_fixes: Optional[bool] = UNSAFE,
    config: Optional[str] = CONFIG,
    isolated: bool = ISOLATED,
    stdin_filename: Optional[str] = STDIN_NAME,
    exit_zero_even_if_changed: bool = typer.Option(
        False, "--exit-zero-even-if-changed", help="Exit 0 even when files were rewritten."
    ),
    output_format: Optional[str] = OUTPUT_FORMAT,
    show_fixes: bool = SHOW_FIXES,
    keep_format: bool = FORMAT,
    jobs: Optional[int] = JOBS,
    no_cache: bool = NO_CACHE,
    cache_dir: Optional[str] = CACHE_DIR,
    include_generated: bool = GENERATED,
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
    show_traceback: bool = TRACEBACK,
) -> None:
    """Rewrite files in place (`--diff`: show the changes, write nothing); exit 1 if anything changed."""

    def body() -> int:
        fmt = _output_format(output_format)
        run = Run(paths, select, ignore, target_version, unsafe_fixes, config, isolated, jobs, no_cache,
                  cache_dir, include_generated, stdin_filename, quiet, verbose, keep_format)
        tally = Tally()
        fixed: Dict[str, Counter] = {}
        # Machine formats replace the diff on stdout; fixing stdin echoes the source there, so
        # then the report goes to stderr.
        report_stream = sys.stderr if "-" in run.paths and not diff else None
        reporter = Reporter(fmt, run.rules, stream=report_stream) if fmt != "text" else None
        for outcome in run.outcomes(fix=True):
            name = str(outcome.path)
            handled = _account(tally, name, outcome)
            result = outcome.result
            if outcome.stdin and not diff:
                # stdin always echoes the source, fixed or not (and unchanged on errors)
                changed = handled and result.changed
                sys.stdout.buffer.write(result.new_source if changed else (outcome.original or b""))
                sys.stdout.flush()
            if not handled:
                continue
            if not result.changed:
                if reporter:
                    reporter.add(name, _not_applied(result.findings))
                continue
            if diff:
                if reporter:
                    # APPLIED: what the diff would apply
                    reporter.add(name, result.findings, _unsafe_sites(run, outcome, reporter))
                else:
                    terminal.print_diff(unified_diff(name, decode_text(outcome.original), decode_text(result.new_source)))
            else:
                if not outcome.stdin:
                    problem = write_if_unchanged(outcome.path, outcome.original, result.new_source)
                    if problem:
                        error(f"{name}: {problem}")
                        tally.errors += 1
                        if reporter:
                            reporter.add(name, _not_applied(result.findings))
                        continue
                    print(f"Rewriting {name}", file=sys.stderr)
                if reporter:
                    reporter.add(name, _remaining(run, outcome))
            tally.changed += 1
            tally.fixes_applied += result.fixes_applied
            fixed[name] = Counter(f.code for f in result.findings if f.fix is FixStatus.APPLIED)
        if show_fixes and fixed:
            names = {r.code: r.name for r in run.rules}
            print("Fixes:", file=sys.stderr)
            for name, counts in fixed.items():
                print(f"- {name}:", file=sys.stderr)
                for code, count in sorted(counts.items()):
                    print(f"    {count} × {code} ({names.get(code, '')})", file=sys.stderr)
        if reporter:
            reporter.finish()
        if tally.changed and not diff and not quiet:
            print(tally.fix_summary(), file=sys.stderr)
        run.finish(tally, "diff" if diff else "fix")
        if tally.errors:
            return 2
        return 1 if tally.changed and not exit_zero_even_if_changed else 0

    _guard(body)


@app.command("rules")
def list_rules() -> None:
    """List every rule: code, name, minimum target, fix safety and summary."""
    rows = [("CODE", "NAME", "MIN", "FIX", "SUMMARY")] + [
        (i.code, i.name, format_version(i.min_python), i.safety.value, i.summary) for i in rule_infos()
    ]
    widths = [max(len(row[col]) for row in rows) for col in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[4])


@app.command()
def explain(code: str = typer.Argument(..., help="A rule code (AIO201) or name.")) -> None:
    """Show a rule's documentation: why, fix safety, limitations."""

    def body() -> int:
        wanted = code.strip()
        for info in rule_infos():
            if wanted.upper() == info.code or wanted.lower() == info.name:
                print(f"# {info.code} {info.name}\n")
                print(f"Minimum target: {format_version(info.min_python)} · Fix: {info.safety.value}")
                if info.equivalent_codes:
                    print(f"Same as: {', '.join(info.equivalent_codes)}")
                print()
                print(info.docs)
                return 0
        raise UsageError(f"unknown rule `{code}` (see `asyncio-upgrade rules`)")

    _guard(body)


def _version_callback(value: bool) -> None:
    if value:
        print(f"asyncio-upgrade {installed_version()}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True, help="Show the version."),
) -> None:
    """Find asyncio anti-patterns and rewrite them into current best practice, safely."""


def main() -> None:
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        error("interrupted")
        sys.exit(130)
    except Exception as exc:
        if "--show-traceback" in sys.argv:
            raise
        error(f"internal error: {type(exc).__name__}: {exc} (run with --show-traceback for details)")
        sys.exit(2)
