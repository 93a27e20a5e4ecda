"""The options `check` and `fix` share, declared once: `RunOptions`, and `with_run_options`,
which lists them among a command's own parameters for typer and hands them to the command as
one value."""

# No `from __future__ import annotations`: typer reads these types, and evaluating the
# annotations once, here, is cheaper at start-up than resolving strings for each command.
import inspect
from typing import Annotated, Any, Callable, List, NamedTuple, Optional, get_type_hints

import typer


class UsageError(Exception):
    """A one-line problem with how the command was called (exit 2)."""


class RunOptions(NamedTuple):
    """What `check` and `fix` were asked to do, as given on the command line. (A NamedTuple:
    immutable like a frozen dataclass, and built in a fifth of the time at start-up.)"""

    paths: Annotated[
        Optional[List[str]],
        typer.Argument(help="Files or folders to process (default: .); `-` reads stdin.", show_default=False),
    ] = None
    select: Annotated[
        Optional[List[str]],
        typer.Option("--select", help="Rule codes or prefixes to run (comma-separated; e.g. AIO2,AIO101)."),
    ] = None
    ignore: Annotated[Optional[List[str]], typer.Option("--ignore", help="Rule codes or prefixes to skip.")] = None
    target_version: Annotated[
        Optional[str],
        typer.Option(
            "--target-version",
            help="Oldest Python the code must run on (py39 … py315). Default: requires-python, else py39.",
        ),
    ] = None
    unsafe_fixes: Annotated[
        Optional[bool],
        typer.Option(
            "--unsafe-fixes/--no-unsafe-fixes",
            help="Also apply fixes that can change behaviour (each rule documents how).",
        ),
    ] = None
    config: Annotated[
        Optional[str],
        typer.Option("--config", help="Read settings from this pyproject.toml instead of the nearest one."),
    ] = None
    isolated: Annotated[bool, typer.Option("--isolated", help="Ignore every configuration file.")] = False
    stdin_filename: Annotated[
        Optional[str], typer.Option("--stdin-filename", help="The path to report for `-` (stdin).")
    ] = None
    output_format: Annotated[
        Optional[str],
        typer.Option(
            "--output-format",
            help="text (default), json, github, sarif or junit. `fix` reports the findings left after fixing; "
            "`fix --diff` the ones it would fix, with their edits, and the rest.",
        ),
    ] = None
    show_fixes: Annotated[
        bool,
        typer.Option(
            "--show-fixes", help="Show each fix: the edits under each finding, or what `fix` changed per file."
        ),
    ] = False
    jobs: Annotated[
        Optional[int],
        typer.Option("--jobs", "-j", help="Worker processes for large batches (default: all cores)."),
    ] = None
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the result cache.")] = False
    cache_dir: Annotated[
        Optional[str],
        typer.Option(
            "--cache-dir",
            help="Where to keep the cache (default: .asyncio_upgrade_cache beside pyproject.toml).",
        ),
    ] = None
    extend_safe_fixes: Annotated[
        Optional[List[str]],
        typer.Option(
            "--extend-safe-fixes",
            help="Rule codes or prefixes whose unsafe fixes count as safe (comma-separated; e.g. AIO3).",
        ),
    ] = None
    extend_unsafe_fixes: Annotated[
        Optional[List[str]],
        typer.Option("--extend-unsafe-fixes", help="Rule codes or prefixes whose safe fixes count as unsafe."),
    ] = None
    include_generated: Annotated[
        bool, typer.Option("--include-generated", help="Also process files marked @generated.")
    ] = False
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="Print findings, diffs and errors only: no summary, notes or progress bar."
        ),
    ] = False
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Also say where settings came from and how many files the cache answered."
        ),
    ] = False
    show_traceback: Annotated[
        bool, typer.Option("--show-traceback", help="Show the full traceback of an internal error.")
    ] = False


def with_run_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``command(options: RunOptions, **own)`` as typer sees it: the paths, the command's own
    options, then the shared ones; called with them gathered into one ``RunOptions``."""
    own_defaults = list(inspect.signature(command).parameters.items())[1:]  # after ``options``
    hints = get_type_hints(command, include_extras=True)  # its module may leave them as strings
    own = [_keyword(name, parameter.default, hints[name]) for name, parameter in own_defaults]

    def with_options(**values: Any) -> Any:
        options = RunOptions(**{p.name: values.pop(p.name) for p in _SHARED})
        return command(options, **values)

    parameters = [_SHARED[0], *own, *_SHARED[1:]]
    with_options.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    with_options.__annotations__ = {p.name: p.annotation for p in parameters}
    for attribute in ("__name__", "__qualname__", "__doc__", "__module__"):
        setattr(with_options, attribute, getattr(command, attribute))
    return with_options


def _keyword(name: str, default: Any, annotation: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


_SHARED: List[inspect.Parameter] = [
    _keyword(name, default, RunOptions.__annotations__[name]) for name, default in RunOptions._field_defaults.items()
]
