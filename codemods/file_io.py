"""File I/O calls (AIO302): their modes, the whole-file ``Path`` call that does what
``open(p).read()`` / ``open(p, "w").write(data)`` does, and words to name a helper after."""

from __future__ import annotations

import re
from typing import Optional, Sequence, Tuple

import libcst as cst

from .context import FileContext
from .kit.syntax import without_trailing_comma
from .kit.threads import to_thread_call
from .kit.values import is_built_pathlib_path, reaching_local_values

MODES = {"": ("read", "text"), "r": ("read", "text"), "rt": ("read", "text"), "tr": ("read", "text"),
         "rb": ("read", "bytes"), "br": ("read", "bytes"), "w": ("write", "text"), "wt": ("write", "text"),
         "tw": ("write", "text"), "wb": ("write", "bytes"), "bw": ("write", "bytes")}
GENERIC = {"p", "f", "fn", "fname", "file", "filename", "name", "path", "filepath", "file_path", "self"}


def str_literal(expr: cst.BaseExpression) -> Optional[str]:
    """The value of a plain (not bytes) string literal, else None."""
    if isinstance(expr, cst.SimpleString) and "b" not in expr.prefix.lower():
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    return None


def is_str_or_path(ctx: FileContext, expr: cst.BaseExpression, depth: int = 0) -> bool:
    """``expr`` is certainly a ``str`` or a ``pathlib.Path`` (what ``Path()`` accepts)."""
    if isinstance(expr, cst.ConcatenatedString):
        return is_str_or_path(ctx, expr.left) and is_str_or_path(ctx, expr.right)
    if isinstance(expr, cst.FormattedString) or str_literal(expr) is not None:
        return True
    if is_built_pathlib_path(ctx, expr) or (isinstance(expr, cst.Call) and ctx.resolves_to(expr.func, {"builtins.str"})):
        return True
    values = reaching_local_values(ctx, expr) if depth < 5 else None
    return bool(values) and all(is_str_or_path(ctx, v, depth + 1) for v in values)


def whole_file_call(
    ctx: FileContext, fix, opener: cst.Call, method: str, method_args: Sequence[cst.Arg]
) -> Optional[Tuple[cst.Call, bool]]:
    """``asyncio.to_thread(Path(p).read_text)``-style call for ``opener.read()`` /
    ``opener.write(data)``, and whether it is risky; None when no exact equivalent exists."""
    func = opener.func
    args = list(opener.args)
    if isinstance(func, cst.Attribute) and func.attr.value == "open":
        path = func.value
    elif ctx.resolves_to(func, {"builtins.open", "io.open"}) and args and not (args[0].keyword or args[0].star):
        path = args.pop(0).value
    else:
        return None
    mode_arg = args.pop(0) if args and args[0].keyword is None else None
    keywords = {a.keyword.value: a for a in args if a.keyword is not None}
    mode_arg = keywords.pop("mode", mode_arg)
    if any(a.star or a.keyword is None for a in args) or set(keywords) - {"encoding", "errors"}:
        return None
    mode = "" if mode_arg is None else str_literal(mode_arg.value)
    direction, kind = MODES.get(mode, (None, None)) if mode is not None else (None, None)
    if direction != method or (kind == "bytes" and keywords):
        return None
    data = list(method_args)
    if len(data) != (method == "write") or any(a.keyword or a.star for a in data):
        return None
    if isinstance(path, (cst.BaseString, cst.Integer)) and not is_str_or_path(ctx, path):
        return None  # a bytes path or a file descriptor: Path() would reject it
    risky = not is_str_or_path(ctx, path) or any(not isinstance(a.value, (cst.Name, cst.BaseString)) for a in data)
    if not is_built_pathlib_path(ctx, path):
        path = cst.Call(func=fix.ref("pathlib.Path"), args=[cst.Arg(path)])
    elif not isinstance(path, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) and not path.lpar:
        path = path.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    bound = cst.Attribute(value=path, attr=cst.Name(f"{method}_{kind}"))
    return to_thread_call(fix.ref("asyncio.to_thread"), bound, without_trailing_comma([*data, *keywords.values()])), risky


def io_verb(opener: cst.Call) -> str:
    """``write`` when ``opener`` opens for writing or appending (a literal mode says so), else ``read``."""
    is_path = isinstance(opener.func, cst.Attribute) and opener.func.attr.value == "open"
    positional = [a for a in opener.args if a.keyword is None][0 if is_path else 1 :]
    modes = [a for a in opener.args if a.keyword is not None and a.keyword.value == "mode"] + positional[:1]
    return "write" if any(set(str_literal(a.value) or "") & set("wax+") for a in modes) else "read"


def path_word(expr: Optional[cst.BaseExpression]) -> str:
    """A short word naming what a path expression points at: ``config_path`` -> ``config``."""
    if isinstance(expr, cst.Call) and expr.args:
        return path_word(expr.args[0].value)
    if isinstance(expr, cst.BinaryOperation):
        return path_word(expr.right)
    if isinstance(expr, cst.Attribute):
        expr = expr.attr
    if isinstance(expr, cst.SimpleString) and isinstance(expr.evaluated_value, str):
        word = expr.evaluated_value.replace("\\", "/").rsplit("/", 1)[-1].split(".")[0]
    elif isinstance(expr, cst.Name):
        word = expr.value
    else:
        return "file"
    word = re.sub(r"(_(path|file|filename|fname|fn|name))+$", "", re.sub(r"\W+", "_", word.lower()).strip("_"))
    return word if word and not word[0].isdigit() else "file"


def file_noun(opener: cst.Call, function_name: str) -> str:
    """A noun for the file ``opener`` opens, from its path (``config_path`` -> ``config``) or,
    when that is a generic name (``path``), from the function's (``load_settings`` -> ``settings``)."""
    func = opener.func
    path = func.value if isinstance(func, cst.Attribute) and func.attr.value == "open" else None
    args = [a for a in opener.args if a.keyword is None]
    if path is None and args:
        path = args.pop(0).value
    noun = path_word(path)
    if noun in GENERIC:
        match = re.match(r"_*(load|read|save|write|get|fetch|parse|dump|update|store)_(\w+)$", function_name)
        noun = match.group(2) if match and match.group(2) not in GENERIC else "file"
    return noun
