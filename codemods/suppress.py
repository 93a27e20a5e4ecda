"""`# noqa` comments: which lines suppress which codes."""

from __future__ import annotations

import io
import re
import tokenize
from typing import Dict, FrozenSet, Iterator, Optional, Tuple

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
