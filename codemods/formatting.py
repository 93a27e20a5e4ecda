"""Keep black-formatted files black-formatted after a fix.

If black's own check says the original was formatted, the rewritten source is formatted with
the same options; otherwise it is left as the rules wrote it (their edits already follow the
surrounding code's indentation and line endings).
"""

from __future__ import annotations

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
