"""Keep every byte a rule did not mean to change.

libcst's round trip is not byte-exact for a few rare spellings (a form feed at the
start of a line, ``except X :``). We therefore take libcst's output only for the lines
the rules changed and splice those hunks into the original text.
"""

from __future__ import annotations

import difflib
from typing import List


def splice_changes(original: str, roundtrip: str, rewritten: str) -> str:
    """``rewritten`` with every line that equals ``roundtrip`` taken from ``original``."""
    if roundtrip == original:
        return rewritten
    orig_lines = original.splitlines(keepends=True)
    trip_lines = roundtrip.splitlines(keepends=True)
    new_lines = rewritten.splitlines(keepends=True)

    # Where each roundtrip line boundary sits in the original; None inside a lossy region.
    boundary: List[object] = [None] * (len(trip_lines) + 1)
    lossy_start: List[int] = list(range(len(trip_lines) + 1))
    lossy_end: List[int] = list(range(len(trip_lines) + 1))
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, trip_lines, orig_lines, autojunk=False).get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1 + 1):
                boundary[i1 + k] = j1 + k
        else:
            for k in range(i1, i2 + 1):
                lossy_start[k], lossy_end[k] = i1, i2
            boundary[i1], boundary[i2] = j1, j2

    out: List[str] = []
    orig_pos = 0
    trip_pos = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, trip_lines, new_lines, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        # Widen the hunk to whole lossy regions so the boundaries map to the original.
        start, end = lossy_start[i1], lossy_end[i2]
        start = max(start, trip_pos)
        new_start = j1 - (i1 - start)
        new_end = j2 + (end - i2)
        orig_start, orig_end = boundary[start], boundary[end]
        assert isinstance(orig_start, int) and isinstance(orig_end, int)
        out.extend(orig_lines[orig_pos:orig_start])
        out.extend(new_lines[new_start:new_end])
        orig_pos, trip_pos = orig_end, end
    out.extend(orig_lines[orig_pos:])
    return "".join(out)
