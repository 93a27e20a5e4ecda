"""The `asyncio-upgrade` command: check, fix, rules, explain, server."""

from __future__ import annotations

import sys
from typing import Annotated, Callable, List, Optional

import typer

from asyncio_upgrade.codemods.api import format_version, rule_infos

from .formats import Reporter, format_option
from .formats import statistics as format_statistics
from .options import RunOptions, UsageError, with_run_options
from .output import Tally, error
from .run import Run, account
from .version import installed_version

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Find asyncio anti-patterns and rewrite them into current best practice, safely.",
)


def _guard(body: Callable[[], int], *, show_traceback: Optional[bool] = None) -> None:
    """Runs a command's body and exits with its code. ``show_traceback``: the command's
    `--show-traceback` (None: it has none, and ``main`` reports an internal error)."""
    try:
        code = body()
    except UsageError as exc:
        error(str(exc))
        code = 2
    except KeyboardInterrupt:  # typer would exit 130 without a word
        error("interrupted")
        code = 130
    except BrokenPipeError:
        code = _reader_gone()
    except Exception as exc:
        if show_traceback is None:
            raise
        if show_traceback:
            import traceback

            traceback.print_exc()
        else:
            error(f"internal error: {type(exc).__name__}: {exc} (run with --show-traceback for details)")
        code = 2
    raise typer.Exit(code)


def _reader_gone() -> int:
    """Output piped into a reader that stopped (`| head`): stop quietly, as a shell filter
    killed by SIGPIPE does (its status, 128 + 13), and keep Python from failing again when it
    flushes stdout at exit."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141


def _output_format(value: Optional[str]) -> str:
    try:
        return format_option(value)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


@app.command()
@with_run_options
def check(
    options: RunOptions,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when there are findings.")] = False,
    statistics: Annotated[bool, typer.Option("--statistics", help="Print how many findings each rule has.")] = False,
) -> None:
    """Report anti-patterns: `path:line:col: CODE message`; exit 1 if any."""

    def body() -> int:
        fmt = _output_format(options.output_format)
        run = Run(options)
        tally = Tally()
        reporter = Reporter(fmt, run.rules, show_fixes=options.show_fixes)
        for outcome in run.outcomes(fix=False):
            name = str(outcome.path)
            if account(tally, name, outcome):
                reporter.add(name, outcome.result.findings)
        reporter.finish()
        side = sys.stdout if fmt == "text" else sys.stderr
        if statistics and tally.per_rule:
            print(format_statistics(tally.per_rule, run.rule_names), file=side)
        if not run.quiet:
            print(tally.check_summary(), file=side)
        run.finish(tally, "check")
        if tally.errors:
            return 2
        return 1 if tally.findings() and not exit_zero else 0

    _guard(body, show_traceback=options.show_traceback)


@app.command()
@with_run_options
def fix(
    options: RunOptions,
    diff: Annotated[bool, typer.Option("--diff", help="Print a unified diff of the fixes; write nothing.")] = False,
    exit_zero_even_if_changed: Annotated[
        bool, typer.Option("--exit-zero-even-if-changed", help="Exit 0 even when files were rewritten.")
    ] = False,
    keep_format: Annotated[
        bool,
        typer.Option("--format/--no-format", help="Keep black-formatted files black-formatted after a fix (default: on)."),
    ] = True,
) -> None:
    """Rewrite files in place (`--diff`: show the changes, write nothing); exit 1 if anything changed."""

    def body() -> int:
        from .fixing import Fixer  # here: `check`, the pre-commit hook's usual command, has no use for it

        fmt = _output_format(options.output_format)
        run = Run(options, keep_format=keep_format)
        # Machine formats replace the diff on stdout; fixing stdin echoes the source there, so
        # then the report goes to stderr.
        report_stream = sys.stderr if "-" in run.paths and not diff else None
        reporter = Reporter(fmt, run.rules, stream=report_stream) if fmt != "text" else None
        fixer = Fixer(run, diff=diff, reporter=reporter)
        for outcome in run.outcomes(fix=True):
            fixer.handle(outcome)
        if options.show_fixes:
            fixer.print_fixes()
        if reporter:
            reporter.finish()
        tally = fixer.tally
        if tally.changed and not diff and not run.quiet:
            print(tally.fix_summary(), file=sys.stderr)
        run.finish(tally, "diff" if diff else "fix")
        if tally.errors:
            return 2
        return 1 if tally.changed and not exit_zero_even_if_changed else 0

    _guard(body, show_traceback=options.show_traceback)


@app.command("rules")
def list_rules(
    config: Annotated[Optional[str], typer.Option("--config", help="Read this pyproject.toml.")] = None,
    isolated: Annotated[bool, typer.Option("--isolated", help="Ignore every configuration file.")] = False,
    extend_safe_fixes: Annotated[Optional[List[str]], typer.Option("--extend-safe-fixes")] = None,
    extend_unsafe_fixes: Annotated[Optional[List[str]], typer.Option("--extend-unsafe-fixes")] = None,
) -> None:
    """List every rule: code, name, minimum target, fix safety and summary. A fix safety that
    `extend-safe-fixes` / `extend-unsafe-fixes` change shows both: `unsafe->safe`."""

    def body() -> int:
        from . import config as config_module
        from .run import fix_safety_overrides

        try:
            loaded = config_module.load(["."], config, isolated)
        except config_module.ConfigError as exc:
            raise UsageError(str(exc)) from None
        infos = rule_infos()
        overrides = fix_safety_overrides(infos, loaded, extend_safe_fixes, extend_unsafe_fixes)
        rows = [("CODE", "NAME", "MIN", "FIX", "SUMMARY")] + [
            (i.code, i.name, format_version(i.min_python), _fix_safety(i, overrides), i.summary) for i in infos
        ]
        widths = [max(len(row[col]) for row in rows) for col in range(4)]
        for row in rows:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[4])
        return 0

    _guard(body)


_SAFETY_MEANING = {
    "safe": "Safe: every program that worked before gives the same results, output and exceptions after "
    "(only timing may differ); `fix` applies it.",
    "unsafe": "Unsafe: a working program can behave differently (see Fix safety); applied only with "
    "--unsafe-fixes or extend-safe-fixes.",
    "report-only": "Report-only: never rewritten.",
}


def _fix_safety(info, overrides) -> str:
    return _overridden_safety(info, overrides) + ("" if info.selected_by_default else " (opt-in)")


def _overridden_safety(info, overrides) -> str:
    safety = info.safety.value
    if safety == "report-only":
        return safety
    if info.code in overrides["extend_safe_fixes"] and safety != "safe":
        return f"{safety}->safe"
    if info.code in overrides["extend_unsafe_fixes"] and safety != "unsafe":
        return f"{safety}->unsafe"
    return safety


@app.command()
def explain(code: str = typer.Argument(..., help="A rule code (AIO201) or name.")) -> None:
    """Show a rule's documentation: why, fix safety, limitations."""

    def body() -> int:
        from asyncio_upgrade.cli.generate import section_link
        from asyncio_upgrade.codemods.registry import rule_docs

        wanted = code.strip()
        for info in rule_infos():
            if wanted.upper() == info.code or wanted.lower() == info.name:
                print(f"# {info.code} {info.name}\n")
                print(f"Minimum target: {format_version(info.min_python)} · Fix: {info.safety.value}")
                print(_SAFETY_MEANING[info.safety.value])
                if not info.selected_by_default:
                    print("Opt-in: runs only when selected by its code, a prefix of it or `ALL`.")
                if info.equivalent_codes:
                    print(f"Same as: {', '.join(info.equivalent_codes)}")
                print()
                print(rule_docs(info.code))
                print(f"\nReference: {section_link(info)}")
                return 0
        raise UsageError(f"unknown rule `{code}` (see `asyncio-upgrade rules`)")

    _guard(body)


@app.command()
def server() -> None:
    """Run the language server on stdin/stdout: diagnostics, quick fixes, `# noqa` and fix-all
    code actions for editors (needs the `lsp` extra: pip install 'asyncio-upgrade[lsp]')."""

    def body() -> int:
        from .server import serve

        return serve()

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
    except BrokenPipeError:
        sys.exit(_reader_gone())
    except Exception as exc:  # where no `--show-traceback` was there to ask
        error(f"internal error: {type(exc).__name__}: {exc} (run with --show-traceback for details)")
        sys.exit(2)
