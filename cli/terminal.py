"""Presentation for a person at a terminal: colours, a progress bar, a summary table.
rich is imported only when the stream is a terminal."""

from __future__ import annotations

import io
import re
import sys
from typing import Iterable, Iterator, List, Tuple, TypeVar

T = TypeVar("T")


def is_terminal(stream) -> bool:
    return hasattr(stream, "isatty") and stream.isatty()


def print_diff(text: str) -> None:
    """A unified diff on stdout, coloured when stdout is a terminal that takes colours.

    The coloured text is written to ``sys.stdout`` itself (not through a console of its own,
    which rich would point at the real stdout), so that while a progress bar is drawn the
    diff is printed above it instead of through it."""
    out = sys.stdout
    if not is_terminal(out):
        out.write(text)
        return
    from rich.console import Console
    from rich.text import Text

    terminal = Console(file=out)  # NO_COLOR, TERM=dumb and the colour depth of the real terminal
    if terminal.no_color or terminal.color_system is None:
        out.write(text)
        return
    rendered = io.StringIO()
    console = Console(file=rendered, force_terminal=True, color_system=terminal.color_system, highlight=False, soft_wrap=True)
    for line in text.splitlines():
        console.print(Text(line, style=_diff_style(line)))
    out.write(rendered.getvalue())
    out.flush()


def _diff_style(line: str) -> str:
    if line.startswith(("+++", "---")):
        return "bold"
    if line.startswith("@@"):
        return "cyan"
    if line.startswith("+"):
        return "green"
    if line.startswith("-"):
        return "red"
    return ""


# Fewer files than this are done before a progress bar is worth drawing (it would only flicker).
BATCH = 10


def with_progress(items: Iterable[T], total: int, enabled: bool) -> Iterator[T]:
    """A transient progress bar on stderr for a batch of ``total`` files, for a terminal only.

    While it is drawn, whatever goes to a terminal is printed above it; stdout that is a file or
    a pipe is left alone (rich would otherwise send it to the terminal through stderr).
    """
    if not enabled or total < BATCH or not is_terminal(sys.stderr):
        yield from items
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TimeElapsedColumn

    console = Console(stderr=True, soft_wrap=True, highlight=False)
    # The runner hands results back a chunk at a time: the spinner shows it is alive in between.
    columns = (SpinnerColumn(), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, redirect_stdout=is_terminal(sys.stdout)) as bar:
        task = bar.add_task("files", total=total)
        for item in items:
            yield item
            bar.advance(task)


def summary_table(rows: List[Tuple[str, int]], per_rule: List[Tuple[str, str, int]]) -> None:
    """The run in numbers, then findings by rule, on stderr (a terminal)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(stderr=True, highlight=False)
    totals = Table(show_header=False, box=None, pad_edge=False)
    totals.add_column(style="dim")
    totals.add_column(justify="right")
    for label, value in rows:
        totals.add_row(label, str(value))
    tables = [totals]
    if per_rule:
        by_rule = Table(show_header=False, box=None, pad_edge=False)
        by_rule.add_column(style="bold")
        by_rule.add_column(justify="right")
        by_rule.add_column()
        for code, name, count in per_rule:
            by_rule.add_row(code, str(count), name)
        tables += ["", Text("findings by rule", style="dim"), by_rule]
    with console.capture() as captured:
        for table in tables:
            console.print(table)
    # rich pads every cell to its column's width: no trailing blanks on the terminal
    console.file.write("".join(_TRAILING_BLANKS.sub(r"\1", line) + "\n" for line in captured.get().splitlines()))


_TRAILING_BLANKS = re.compile(r" +((?:\x1b\[[0-9;]*m)*)$")
