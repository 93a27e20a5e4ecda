"""Keep black-formatted files black-formatted after a fix.

If black's own check says the original was formatted, the rewritten source is formatted with
the same options; otherwise it is left as the rules wrote it (their edits already follow the
surrounding code's indentation and line endings).

Most files of an old project are not black-formatted, and black formats the whole file to say
so; a single-quoted string that black would requote answers it first (``_requoted_by_black``).
"""

from __future__ import annotations

import io
import tokenize
from typing import Optional, Tuple

# (line_length, string_normalization, magic_trailing_comma, preview, target versions like "py311")
BlackOptions = Tuple[int, bool, bool, bool, Tuple[str, ...]]
DEFAULT_BLACK: BlackOptions = (88, True, True, False, ())


def black_options_from_pyproject(config: dict) -> BlackOptions:
    """Options from a parsed `[tool.black]` table (keys as black's parse_pyproject_toml gives)."""
    return (
        int(config.get("line_length", 88)),
        not config.get("skip_string_normalization", False),
        not config.get("skip_magic_trailing_comma", False),
        bool(config.get("preview", False)),
        tuple(str(v).lower() for v in config.get("target_version", ()) or ()),
    )


def keep_black_formatting(before: str, after: str, options: BlackOptions, is_stub: bool = False) -> Optional[str]:
    """``after`` formatted by black when ``before`` was; None when black does not apply."""
    if _requoted_by_black(before, options):
        return None  # not formatted before
    import black

    line_length, normalize, trailing_comma, preview, targets = options
    mode = black.Mode(
        target_versions={black.TargetVersion[t.upper()] for t in targets if t.upper() in black.TargetVersion.__members__},
        line_length=line_length,
        string_normalization=normalize,
        magic_trailing_comma=trailing_comma,
        preview=preview,
        is_pyi=is_stub,
    )
    try:
        black.format_file_contents(before, fast=True, mode=mode)
    except black.NothingChanged:
        pass  # formatted before: keep it so
    except Exception:
        return None  # black cannot handle it (or it was not formatted): leave the fix as written
    else:
        return None
    try:
        return black.format_file_contents(after, fast=True, mode=mode)
    except black.NothingChanged:
        return after
    except Exception:
        return None


def _requoted_by_black(source: str, options: BlackOptions) -> bool:
    """Black (string normalization on, no preview) would change ``source``: it has a string
    written ``'...'`` with no quote or backslash inside and no ``f``/``t`` prefix, which black
    rewrites with double quotes wherever it stands. Docstrings (a string opening a statement) and
    everything inside an f-string are left out, and any file that turns black off for a
    region (``# fmt: off``, ``# fmt: skip``, ``# yapf: disable``). Stops at the first such
    string; False when none (or the tokenizer gives up: black decides)."""
    _, normalize, _, preview, _ = options
    if not normalize or preview or "fmt:" in source or "yapf:" in source:
        return False
    fstrings = 0
    opens_statement = True
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            kind = token.type
            if kind == _FSTRING_START:
                fstrings += 1
            elif kind == _FSTRING_END:
                fstrings -= 1
            elif kind == tokenize.STRING and not fstrings and not opens_statement and _plain_single_quoted(token.string):
                return True
            if kind not in _NOT_CODE:
                opens_statement = kind in _STATEMENT_BOUNDARIES
    except (tokenize.TokenError, SyntaxError):
        pass
    return False


def _plain_single_quoted(string: str) -> bool:
    body = string.lstrip("bBrRuU")
    prefix = string[: len(string) - len(body)]
    return (
        len(body) >= 2
        and body[0] == body[-1] == "'"
        and not body.startswith("'''")
        and not any(quote in body[1:-1] for quote in "'\"\\")
        and prefix == prefix.lower()
    )


_FSTRING_START = getattr(tokenize, "FSTRING_START", -1)  # Python 3.12+ tokenizes f-strings
_FSTRING_END = getattr(tokenize, "FSTRING_END", -1)
_NOT_CODE = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.ENCODING})
_STATEMENT_BOUNDARIES = frozenset({tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT})
