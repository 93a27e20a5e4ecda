"""Presentation for a person at a terminal: colours, a progress spinner, a summary table.
rich is imported only when the stream is a terminal."""

from __future__ import annotations

import sys
from typing import Iterable, Iterator, List, Tuple, TypeVar

T = TypeVar("T")


def is_terminal(stream) -> bool:
    return hasattr(stream, "isatty") and stream.isatty()


def print_diff(text: str) -> None:
    if not is_terminal(sys.stdout):
        sys.stdout.write(text)
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False, soft_wrap=True)
    for line in text.splitlines():
        style = ""
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("@@"):
            style = "cyan"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        console.print(Text(line, style=style))


def with_progress(items: Iterable[T], enabled: bool) -> Iterator[T]:
    """A transient spinner with a file count on stderr, for a terminal only."""
    if not enabled or not is_terminal(sys.stderr):
        yield from items
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn

    with Progress(SpinnerColumn(), TextColumn("{task.completed} files"), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("files", total=None)
        for item in items:
            yield item
            bar.advance(task)


def summary_table(rows: List[Tuple[str, str]], per_rule: List[Tuple[str, str, int]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_header=False, box=None, pad_edge=False)
    for label, value in rows:
        table.add_row(label, value)
    if per_rule:
        table.add_row("", "")
        for code, name, count in per_rule:
            table.add_row(f"  {code}", f"{count}  {name}")
    Console(stderr=True).print(table)
