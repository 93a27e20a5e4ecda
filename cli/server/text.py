"""Positions and edits between the engine's terms (1-based lines, columns in code points) and
LSP's (0-based lines, columns in the negotiated code units: UTF-16 unless the client chose
otherwise). Lines end at `\\n`, `\\r\\n` or `\\r`, as LSP and libcst count them (not
``str.splitlines``, which also breaks at form feeds)."""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Callable, List, Tuple

from lsprotocol import types
from patiencediff import PatienceSequenceMatcher

_LINE_END = re.compile(r"\r\n|\r|\n")


class Lines:
    """``units(text)``: how many code units of the position encoding ``text`` takes."""

    def __init__(self, text: str, units: Callable[[str], int]) -> None:
        self.text = text
        self.units = units
        self.starts = [0, *(match.end() for match in _LINE_END.finditer(text))]

    def offset(self, line: int, column: int) -> int:
        """The offset of a 1-based line and a 0-based column in code points."""
        if line > len(self.starts):
            return len(self.text)
        return min(self.starts[line - 1] + column, self._line_end(line - 1))

    def position(self, offset: int) -> types.Position:
        line = bisect_right(self.starts, offset) - 1
        return types.Position(line=line, character=self.units(self.text[self.starts[line] : offset]))

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(start=self.position(start), end=self.position(end))

    def offset_of(self, position: types.Position) -> int:
        """The offset of an LSP position; a column past the end of its line is the end."""
        if position.line >= len(self.starts):
            return len(self.text)
        start, end = self.starts[position.line], self._line_end(position.line)
        counted = 0
        for offset in range(start, end):
            counted += self.units(self.text[offset])
            if counted > position.character:
                return offset
        return end

    def _line_end(self, index: int) -> int:
        """Where line ``index`` (0-based) ends, before its line break."""
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.text)
        while end > self.starts[index] and self.text[end - 1] in "\r\n":
            end -= 1
        return end


# Replace ``old[start:end]`` with the text.
Change = Tuple[int, int, str]


def changes(old: str, new: str) -> List[Change]:
    """What turns ``old`` into ``new``: one change per changed run of lines, narrowed to the
    characters that differ (never splitting a `\\r\\n`). Lines are matched by patience diff
    (difflib takes minutes on a long file with many equal lines and many fixes)."""
    old_lines, new_lines = _split(old), _split(new)
    old_at, new_at = _starts(old_lines), _starts(new_lines)
    found = []
    for tag, i1, i2, j1, j2 in PatienceSequenceMatcher(None, old_lines, new_lines).get_opcodes():
        if tag == "equal":
            continue
        start, end, new_start, new_end = old_at[i1], old_at[i2], new_at[j1], new_at[j2]
        while start < end and new_start < new_end and old[start] == new[new_start]:
            start, new_start = start + 1, new_start + 1
        while end > start and new_end > new_start and old[end - 1] == new[new_end - 1]:
            end, new_end = end - 1, new_end - 1
        if 0 < start < len(old) and old[start - 1 : start + 1] == "\r\n":
            start, new_start = start - 1, new_start - 1
        if 0 < end < len(old) and old[end - 1 : end + 1] == "\r\n":
            end, new_end = end + 1, new_end + 1
        found.append((start, end, new[new_start:new_end]))
    return found


def text_edits(lines: Lines, found: List[Change]) -> List[types.TextEdit]:
    return [types.TextEdit(range=lines.range(start, end), new_text=text) for start, end, text in found]


def _split(text: str) -> List[str]:
    """Lines with their line breaks."""
    ends = [match.end() for match in _LINE_END.finditer(text)]
    return [text[a:b] for a, b in zip([0, *ends], [*ends, len(text)]) if a < b]


def _starts(lines: List[str]) -> List[int]:
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    return starts
