"""The `asyncio-upgrade` command: check, fix, rules, explain."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Callable, Dict, FrozenSet, List, Optional

import pathspec
import typer

from asyncio_upgrade.codemods.api import (
    OLDEST_TARGET,
    FixStatus,
    RuleInfo,
    Settings,
    Version,
    decode_text,
    format_version,
    process_source,
    rule_infos,
)

from . import config as config_module
from .files import discover
from .formats import Reporter, format_option
from .formats import statistics as format_statistics
from .output import Tally, error, unified_diff
from .cache import Cache, code_fingerprint, default_cache_dir
from .runner import Runner
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


PATHS = typer.Argument(None, help="Files or folders to process; `-` reads stdin.", show_default=False)
SELECT = typer.Option(None, "--select", help="Rule codes or prefixes to run (comma-separated; e.g. AIO2,AIO101).")
IGNORE = typer.Option(None, "--ignore", help="Rule codes or prefixes to skip.")
TARGET = typer.Option(None, "--target-version", help="Oldest Python the code must run on (py39 … py315). Default: requires-python, else py39.")
UNSAFE = typer.Option(None, "--unsafe-fixes/--no-unsafe-fixes", help="Also apply fixes that can change behaviour (each rule documents how).")
CONFIG = typer.Option(None, "--config", help="Read settings from this pyproject.toml instead of the nearest one.")
ISOLATED = typer.Option(False, "--isolated", help="Ignore every configuration file.")
STDIN_NAME = typer.Option(None, "--stdin-filename", help="The path to report for `-` (stdin).")
TRACEBACK = typer.Option(False, "--show-traceback", help="Show the full traceback of an internal error.")
JOBS = typer.Option(None, "--jobs", "-j", help="Worker processes for large batches (default: all cores).")
NO_CACHE = typer.Option(False, "--no-cache", help="Neither read nor write the result cache.")
GENERATED = typer.Option(False, "--include-generated", help="Also process files marked @generated.")
CACHE_DIR = typer.Option(None, "--cache-dir", help="Where to keep the cache (default: .asyncio_upgrade_cache beside pyproject.toml).")


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
        jobs: Optional[int] = None,
        no_cache: bool = False,
        cache_dir: Optional[str] = None,
        include_generated: bool = False,
    ) -> None:
        self.include_generated = include_generated
        self.paths = paths or ["."]
        try:
            self.config = config_module.load(self.paths, config_path, isolated)
        except config_module.ConfigError as exc:
            raise UsageError(str(exc)) from None
        self.rules = rule_infos()
        self.target, self.target_source = self._target(target)
        self.unsafe = bool(unsafe if unsafe is not None else self.config.unsafe_fixes)
        chosen = _split(select) if select else self.config.select
        self.selected = _select(self.rules, chosen, [*self.config.ignore, *_split(ignore)])
        self._per_file = {
            glob: _select(self.rules, ["ALL"], codes) for glob, codes in self.config.per_file_ignores.items()
        }
        self._settings_cache: Dict[FrozenSet[str], Settings] = {}
        exclude = [*self.config.exclude, *self.config.extend_exclude]
        self.exclude = pathspec.GitIgnoreSpec.from_lines(exclude) if exclude else None
        if jobs is not None and jobs < 1:
            raise UsageError("--jobs must be at least 1")
        cache = None
        if not no_cache:
            folder = Path(cache_dir) if cache_dir else default_cache_dir(self.config.path.parent if self.config.path else None)
            cache = Cache(folder, code_fingerprint())
        self.runner = Runner(jobs=jobs, cache=cache)

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
        for glob, allowed in self._per_file.items():
            if _matches(glob, path, self.config.root):
                codes = codes & allowed
        if codes not in self._settings_cache:
            self._settings_cache[codes] = Settings(
                target_version=self.target,
                select=codes,
                unsafe_fixes=self.unsafe,
                include_generated=self.include_generated,
            )
        return self._settings_cache[codes]

    def outcomes(self, *, fix: bool):
        sources = discover([p for p in self.paths if p != "-"], self.exclude, self.config.root)
        return self.runner.run(sources, self.settings_for, fix=fix)

    def withheld_note(self, tally: Tally) -> None:
        note = tally.withheld_note(self.target, self.target_source)
        if note:
            print(note, file=sys.stderr)


def _split(values: Optional[List[str]]) -> List[str]:
    return [part.strip().upper() for value in values or [] for part in value.split(",") if part.strip()]


def _select(rules: List[RuleInfo], select: Optional[List[str]], ignore: List[str]) -> FrozenSet[str]:
    codes = [rule.code for rule in rules]
    for token in [*(select or []), *ignore]:
        if token != "ALL" and not any(code.startswith(token.upper()) for code in codes):
            raise UsageError(f"unknown rule code or prefix `{token}` (see `asyncio-upgrade rules`)")
    chosen = {
        code for code in codes if select is None or any(t == "ALL" or code.startswith(t.upper()) for t in select)
    }
    return frozenset(c for c in chosen if not any(t == "ALL" or c.startswith(t.upper()) for t in ignore))


def _matches(glob: str, path: Path, root: Path) -> bool:
    try:
        relative = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        relative = path.as_posix()
    return pathspec.GitIgnoreSpec.from_lines([glob]).match_file(relative)


def _guard(body: Callable[[], int]) -> None:
    try:
        code = body()
    except UsageError as exc:
        error(str(exc))
        code = 2
    raise typer.Exit(code)


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
    output_format: Optional[str] = typer.Option(None, "--output-format", help="text (default), json, github, sarif or junit."),
    statistics: bool = typer.Option(False, "--statistics", help="Print how many findings each rule has."),
    jobs: Optional[int] = JOBS,
    no_cache: bool = NO_CACHE,
    cache_dir: Optional[str] = CACHE_DIR,
    include_generated: bool = GENERATED,
    show_traceback: bool = TRACEBACK,
) -> None:
    """Report anti-patterns: `path:line:col: CODE message`; exit 1 if any."""

    def body() -> int:
        try:
            fmt = format_option(output_format)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        settings = Run(
            paths, select, ignore, target_version, unsafe_fixes, config, isolated, jobs, no_cache, cache_dir,
            include_generated,
        )
        tally = Tally()
        reporter = Reporter(fmt, settings.rules, _version())
        per_rule: Counter = Counter()
        fixable: Dict[str, bool] = {}

        def report(name: str, result) -> None:
            tally.files += 1
            if result.skipped:
                error(f"{name}: {result.skipped}")
                tally.errors += 1
            reporter.add(name, result.findings)
            for finding in result.findings:
                tally.by_status[finding.fix] += 1
                per_rule[finding.code] += 1
                fixable[finding.code] = fixable.get(finding.code, False) or finding.fix is FixStatus.AVAILABLE
            tally.add_withheld(result.withheld_by_target)

        if "-" in settings.paths:
            name = stdin_filename or "-"
            data = sys.stdin.buffer.read()
            report(name, process_source(data, settings.settings_for(Path(name)), fix=False))
        for outcome in settings.outcomes(fix=False):
            if outcome.problem:
                error(f"{outcome.path}: {outcome.problem}")
                tally.errors += 1
            else:
                report(str(outcome.path), outcome.result)
        reporter.finish()
        if statistics and per_rule:
            names = {rule.code: rule.name for rule in settings.rules}
            print(format_statistics(per_rule, fixable, names), file=sys.stdout if fmt == "text" else sys.stderr)
        print(tally.check_summary(), file=sys.stdout if fmt == "text" else sys.stderr)
        settings.withheld_note(tally)
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
    jobs: Optional[int] = JOBS,
    no_cache: bool = NO_CACHE,
    cache_dir: Optional[str] = CACHE_DIR,
    include_generated: bool = GENERATED,
    show_traceback: bool = TRACEBACK,
) -> None:
    """Rewrite files in place (`--diff`: show the changes, write nothing); exit 1 if anything changed."""

    def body() -> int:
        settings = Run(
            paths, select, ignore, target_version, unsafe_fixes, config, isolated, jobs, no_cache, cache_dir,
            include_generated,
        )
        tally = Tally()

        def account(name: str, result) -> bool:
            tally.files += 1
            if result.skipped:
                error(f"{name}: {result.skipped}")
                tally.errors += 1
                return False
            for finding in result.findings:
                tally.by_status[finding.fix] += 1
            tally.add_withheld(result.withheld_by_target)
            return result.changed

        if "-" in settings.paths:
            name = stdin_filename or "-"
            data = sys.stdin.buffer.read()
            result = process_source(data, settings.settings_for(Path(name)), fix=True)
            changed = account(name, result)
            if changed:
                tally.changed += 1
                tally.fixes_applied += result.fixes_applied
            if diff:
                if changed:
                    sys.stdout.write(unified_diff(name, decode_text(data), decode_text(result.new_source)))
            else:
                sys.stdout.buffer.write(result.new_source if changed else data)
                sys.stdout.flush()
        for outcome in settings.outcomes(fix=True):
            name = str(outcome.path)
            if outcome.problem:
                error(f"{name}: {outcome.problem}")
                tally.errors += 1
                continue
            result = outcome.result
            if not account(name, result):
                continue
            if diff:
                sys.stdout.write(unified_diff(name, decode_text(outcome.original), decode_text(result.new_source)))
            else:
                problem = write_if_unchanged(outcome.path, outcome.original, result.new_source)
                if problem:
                    error(f"{name}: {problem}")
                    tally.errors += 1
                    continue
                print(f"Rewriting {name}", file=sys.stderr)
            tally.changed += 1
            tally.fixes_applied += result.fixes_applied
        if tally.changed and not diff:
            print(tally.fix_summary(), file=sys.stderr)
        settings.withheld_note(tally)
        if tally.errors:
            return 2
        return 1 if tally.changed and not exit_zero_even_if_changed else 0

    _guard(body)


@app.command("rules")
def list_rules() -> None:
    """List every rule: code, name, minimum target, fix safety and summary."""
    infos = rule_infos()
    rows = [("CODE", "NAME", "MIN", "FIX", "SUMMARY")] + [
        (i.code, i.name, format_version(i.min_python), i.safety.value, i.summary) for i in infos
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


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("asyncio-upgrade")
    except PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
        return "unknown"


def _version_callback(value: bool) -> None:
    if value:
        print(f"asyncio-upgrade {_version()}")
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
