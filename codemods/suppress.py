"""`# noqa` comments: which lines suppress which codes."""

from __future__ import annotations

import io
import re
import tokenize
from typing import Dict, FrozenSet, Iterator, Optional, Tuple

from .model import Edit

_SKIP_FILE = re.compile(r"#\s*asyncio-upgrade:\s*skip-file\b", re.IGNORECASE)
_GENERATED_HEADER_CHARS = 2048

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?", re.IGNORECASE)

# None means "every code" (a bare `# noqa`).
Suppressions = Dict[int, Optional[FrozenSet[str]]]


def find_suppressions(text: str) -> Suppressions:
    if "noqa" not in text.lower():
        return {}
    found: Suppressions = {}
    for line, comment in _comments(text):
        match = _NOQA.search(comment)
        if not match:
            continue
        codes = match.group("codes")
        if codes is None:
            found[line] = None
        elif found.get(line, frozenset()) is not None:
            found[line] = frozenset(c.upper() for c in re.split(r"[\s,]+", codes)) | found.get(line, frozenset())
    return found


def is_suppressed(suppressions: Suppressions, lines: Tuple[int, int], codes: FrozenSet[str]) -> bool:
    """A finding spanning ``lines`` is suppressed by a noqa on its first or last line."""
    for line in set(lines):
        if line in suppressions:
            allowed = suppressions[line]
            if allowed is None or allowed & codes:
                return True
    return False


def _comments(text: str) -> Iterator[Tuple[int, str]]:
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                yield tok.start[0], tok.string
    except (tokenize.TokenError, SyntaxError, IndentationError):
        for number, line in enumerate(text.splitlines(), start=1):
            if "#" in line:
                yield number, line[line.index("#"):]


def file_opt_out(text: str, include_generated: bool) -> str:
    """Why the whole file is to be left alone ("" if it is not)."""
    if "skip-file" in text and _SKIP_FILE.search(text):
        return "skip-file"
    if not include_generated and "@generated" in text[:_GENERATED_HEADER_CHARS]:
        return "generated"
    return ""


def noqa_edit(text: str, lines: Tuple[int, int], code: str) -> Optional[Edit]:
    """The edit that suppresses ``code`` for a finding spanning ``lines``: ``code`` added to the
    `# noqa: ...` already on its first or last line, else `  # noqa: CODE` at the end of the
    first of those lines where a comment can go (not inside a string or after a backslash).
    None when neither line can take one, or the source does not tokenize."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    for line in dict.fromkeys(lines):
        comment = next((t for t in tokens if t.type == tokenize.COMMENT and t.start[0] == line), None)
        match = _NOQA.search(comment.string) if comment else None
        if comment and match and match.group("codes"):
            column = comment.start[1] + match.end("codes")
            separator = ", " if ", " in match.group("codes") else ","
            return Edit(line, column, line, column, f"{separator}{code}")
    for line in dict.fromkeys(lines):
        end = next((t for t in tokens if t.type in (tokenize.NEWLINE, tokenize.NL) and t.start[0] == line), None)
        if end is None:
            continue
        on_line = [t for t in tokens if t.end[0] == line and t.type not in _NOT_CODE]
        column = max((t.end[1] for t in on_line), default=0)
        return Edit(line, column, line, end.start[1], f"  # noqa: {code}")
    return None


_NOT_CODE = (tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT)
