import re
from typing import Optional, Sequence, Tuple

import libcst as cst

from ..helpers import (
    awaited, count_comments, in_timeout_block, is_built_pathlib_path, only_used_once_in, reaching_local_values,
    reported_for_other_library, thread_helper_exports, to_thread_call, without_trailing_comma,
)
from ..model import Safety
from ..rule import Rule

OPENERS = {"builtins.open", "io.open", "io.open_code", "os.fdopen"}
PATH_IO = {"open", "read_text", "read_bytes", "write_text", "write_bytes"}
MODES = {"": ("read", "text"), "r": ("read", "text"), "rt": ("read", "text"), "tr": ("read", "text"),
         "rb": ("read", "bytes"), "br": ("read", "bytes"), "w": ("write", "text"), "wt": ("write", "text"),
         "tw": ("write", "text"), "wb": ("write", "bytes"), "bw": ("write", "bytes")}
GENERIC = {"p", "f", "fn", "fname", "file", "filename", "name", "path", "filepath", "file_path", "self"}


class BlockingFileIo(Rule):
    """Run file I/O in a worker thread with ``await asyncio.to_thread(...)`` in a coroutine.

    ## Why
    ``open()``, ``read()``, ``write()`` and ``Path.read_text()`` block the event loop on
    the disk (or a network file system) while every other task waits. Linters flag
    them (``ASYNC230``) but point to aiofiles, anyio or trio; ``asyncio.to_thread`` (3.9)
    is the standard-library fix:

    ```
    data = open(path).read()          ->  data = await asyncio.to_thread(pathlib.Path(path).read_text)
    with open(cfg) as f:              ->  def _read_cfg():
        header = f.readline()                 with open(cfg) as f:
        rest = f.read()                           header = f.readline()
                                                  rest = f.read()
                                              return header, rest

                                          header, rest = await asyncio.to_thread(_read_cfg)
    f = open(path, "rb")              ->  f = await asyncio.to_thread(open, path, "rb")
    p.read_text()                     ->  await asyncio.to_thread(p.read_text)
    ```

    ## Fix safety
    ``open``, ``os.fdopen`` and ``Path`` methods called through ``to_thread`` get the same
    arguments, evaluated at the same time, and return or raise the same; other tasks now run
    during the I/O (contextvars are copied into the thread). Safe, except inside
    ``async with asyncio.timeout(...)``: the timeout can now expire while the thread still
    does the I/O, which then completes unobserved, so those sites are unsafe.
    Whole-file reads and writes (``open(p).read()``, ``with open(p) as f: return f.read()``)
    become ``Path(p).read_text()`` & co., which open with the same mode, encoding and errors
    (and universal newlines), and close the file at once. Unsafe when ``p`` is not certainly a
    ``str`` or ``Path`` (``Path`` rejects bytes paths and file descriptors), and for a write
    whose data is computed by a call (it now runs before the file is truncated, not after;
    likewise a ``TypeError`` for data of the wrong type now leaves the file untouched).
    A ``with`` block moved into a local helper is unsafe: its code runs in another thread
    while other tasks run, so objects it shares with them can change under it; if it raises
    halfway, none of the names it assigned are bound afterwards.

    ## Limitations
    ``open`` inside ``with`` is fixed only when the whole block can move to a thread (no
    ``await``, ``return``, ``yield``, ``break``, ``continue``, ``global``, asyncio names; names
    used afterwards assigned at its top level); otherwise, like ``open(p).readlines()``, it is
    reported. ``Path`` objects are recognised only when built in the same expression or
    assigned from ``Path(...)`` in the same function. ``aiofiles.open``, ``anyio.open_file``,
    ``trio.open_file`` and a user's own ``open`` are left alone; in a file that imports trio,
    anyio or curio, sites are reported without a fix.
    """

    code = "AIO302"
    name = "blocking-file-io"
    min_python = (3, 9)
    safety = Safety.SAFE
    equivalent_codes = ("ASYNC230", "ASYNC231")
    trigger_words = ("open", "read_", "write_")
    anchors = tuple(OPENERS | {"pathlib"})
    needs_async_def = True

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self._helper_names: set = set()

    def _opener(self, node: cst.CSTNode) -> bool:
        if not isinstance(node, cst.Call) or self.ctx.is_awaited(node):
            return False
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in PATH_IO and is_built_pathlib_path(self.ctx, func.value):
            return True
        return self.ctx.resolves_to(func, OPENERS)

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.in_coroutine() or not self._opener(node):
            return
        parent = self.ctx.parent(node)
        message = f"`{self.ctx.code_for(node.func)}()` blocks the event loop"
        if isinstance(parent, cst.WithItem) or reported_for_other_library(self, node, message):
            return  # visit_With decides
        fix = self.fix(node)
        to_thread = fix.ref("asyncio.to_thread")
        is_open = not (isinstance(node.func, cst.Attribute) and node.func.attr.value != "open")
        if is_open and isinstance(parent, cst.For):
            self.report(node, f"{message}; no automatic fix for a loop over the open file")
            return
        if is_open and isinstance(parent, cst.Attribute) and parent.value is node:
            call = self.ctx.parent(parent)
            method = parent.attr.value
            whole = self._whole_file(fix, node, method, call.args) if isinstance(call, cst.Call) else None
            if whole is None or call.func is not parent:
                self.report(node, f"{message}; no automatic fix for `.{method}` on the open file")
                return
            fix.replace(call, awaited(self.ctx, call, whole[0]))
            unsafe = whole[1] or in_timeout_block(self.ctx, node)
            self.report(node, f"{message}: read or write the whole file in a thread", fix=fix, unsafe=unsafe)
            return
        fix.replace(node, awaited(self.ctx, node, to_thread_call(to_thread, node.func, node.args)))
        self.report(node, f"{message}: run it with `asyncio.to_thread`", fix=fix, unsafe=in_timeout_block(self.ctx, node))

    def _whole_file(
        self, fix, opener: cst.Call, method: str, method_args: Sequence[cst.Arg]
    ) -> Optional[Tuple[cst.Call, bool]]:
        """``Path(p).read_text``-style call for ``opener.read()`` / ``opener.write(data)``, and
        whether it is risky; None when no exact equivalent exists."""
        func = opener.func
        args = list(opener.args)
        if isinstance(func, cst.Attribute) and func.attr.value == "open":
            path = func.value
        elif self.ctx.resolves_to(func, {"builtins.open", "io.open"}) and args and not (args[0].keyword or args[0].star):
            path = args.pop(0).value
        else:
            return None
        mode_arg = args.pop(0) if args and args[0].keyword is None else None
        keywords = {a.keyword.value: a for a in args if a.keyword is not None}
        mode_arg = keywords.pop("mode", mode_arg)
        if any(a.star or a.keyword is None for a in args) or set(keywords) - {"encoding", "errors"}:
            return None
        mode = "" if mode_arg is None else self._literal(mode_arg.value)
        direction, kind = MODES.get(mode, (None, None)) if mode is not None else (None, None)
        if direction != method or (kind == "bytes" and keywords):
            return None
        data = list(method_args)
        if len(data) != (method == "write") or any(a.keyword or a.star for a in data):
            return None
        if isinstance(path, (cst.BaseString, cst.Integer)) and not self._str_or_path(path):
            return None  # a bytes path or a file descriptor: Path() would reject it
        risky = not self._str_or_path(path) or any(not isinstance(a.value, (cst.Name, cst.BaseString)) for a in data)
        if not is_built_pathlib_path(self.ctx, path):
            path = cst.Call(func=fix.ref("pathlib.Path"), args=[cst.Arg(path)])
        elif not isinstance(path, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) and not path.lpar:
            path = path.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        bound = cst.Attribute(value=path, attr=cst.Name(f"{method}_{kind}"))
        return to_thread_call(fix.ref("asyncio.to_thread"), bound, without_trailing_comma([*data, *keywords.values()])), risky

    def _verb(self, opener: cst.Call) -> str:
        is_path = isinstance(opener.func, cst.Attribute) and opener.func.attr.value == "open"
        positional = [a for a in opener.args if a.keyword is None][0 if is_path else 1 :]
        modes = [a for a in opener.args if a.keyword is not None and a.keyword.value == "mode"] + positional[:1]
        return "write" if any(set(self._literal(a.value) or "") & set("wax+") for a in modes) else "read"

    @staticmethod
    def _literal(expr: cst.BaseExpression) -> Optional[str]:
        if isinstance(expr, cst.SimpleString) and "b" not in expr.prefix.lower():
            value = expr.evaluated_value
            return value if isinstance(value, str) else None
        return None

    def _str_or_path(self, expr: cst.BaseExpression, depth: int = 0) -> bool:
        if isinstance(expr, cst.ConcatenatedString):
            return self._str_or_path(expr.left) and self._str_or_path(expr.right)
        if isinstance(expr, cst.FormattedString) or self._literal(expr) is not None:
            return True
        if is_built_pathlib_path(self.ctx, expr) or (isinstance(expr, cst.Call) and self.ctx.resolves_to(expr.func, {"builtins.str"})):
            return True
        values = reaching_local_values(self.ctx, expr) if depth < 5 else None
        return bool(values) and all(self._str_or_path(v, depth + 1) for v in values)

    def visit_With(self, node: cst.With) -> None:
        if not self.ctx.in_coroutine() or node.asynchronous is not None:
            return
        openers = [item.item for item in node.items if self._opener(item.item)]
        if not openers:
            return
        message = f"`{self.ctx.code_for(openers[0].func)}()` in `with` blocks the event loop"
        if reported_for_other_library(self, openers[0], message):
            return
        if len(openers) != len(node.items) or any(
            i.asname is not None and not isinstance(i.asname.name, cst.Name) for i in node.items
        ):
            self.report(openers[0], f"{message}; no automatic fix for this `with` statement")
            return
        fix = self.fix(node)
        single = self._single_statement(fix, node)
        if single is not None:
            fix.replace(node, single[0])
            unsafe = single[1] or in_timeout_block(self.ctx, node)
            self.report(openers[0], f"{message}: read or write the whole file in a thread", fix=fix, unsafe=unsafe)
            return
        exports, reason = thread_helper_exports(self.ctx, node)
        if exports is None:
            self.report(openers[0], f"{message}; not moved to a thread because {reason}")
            return
        helper = self._helper_name(openers, node)
        body = [node.with_changes(leading_lines=[]), fix.parse_statement(f"return {', '.join(exports)}")]
        if not exports:
            body.pop()
        siblings = getattr(self.ctx.parent(node), "body", ())
        spaced = node.leading_lines or not siblings or siblings[0] is node
        definition = cst.FunctionDef(
            name=cst.Name(helper), params=cst.Parameters(), body=cst.IndentedBlock(body=body),
            leading_lines=node.leading_lines if spaced else [cst.EmptyLine(indent=False)],
        )
        call = cst.Await(to_thread_call(fix.ref("asyncio.to_thread"), cst.Name(helper)))
        targets = fix.parse_expression(", ".join(exports)) if exports else None
        small = cst.Assign([cst.AssignTarget(targets)], call) if targets is not None else cst.Expr(call)
        statement = cst.SimpleStatementLine([small], leading_lines=[cst.EmptyLine(indent=False)])
        fix.replace(node, cst.FlattenSentinel([definition, statement]))
        self.report(openers[0], f"{message}: move the block into a function run by `asyncio.to_thread`",
                    fix=fix, unsafe=True)

    def _single_statement(self, fix, node: cst.With) -> Optional[Tuple[cst.SimpleStatementLine, bool]]:
        """``with open(p) as f: x = f.read()`` (or ``return f.read()``, ``f.write(data)``) as one
        whole-file statement, when ``f`` is used nowhere else and no comment is lost."""
        (item,) = node.items if len(node.items) == 1 else (None,)
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        if item is None or item.asname is None or len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine):
            return None
        line = body[0]
        small = line.body[0] if len(line.body) == 1 else None
        if not isinstance(small, (cst.Assign, cst.AnnAssign, cst.Return, cst.Expr)) or (
            isinstance(small, cst.Assign) and len(small.targets) != 1
        ):
            return None
        call = small.value
        handle = item.asname.name.value
        if not (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Attribute)
            and isinstance(call.func.value, cst.Name)
            and call.func.value.value == handle
            and only_used_once_in(self.ctx, item.asname.name, node)
        ):
            return None
        whole = self._whole_file(fix, item.item, call.func.attr.value, call.args)
        if whole is None:
            return None
        new = line.with_changes(body=[small.with_changes(value=cst.Await(whole[0]))], leading_lines=node.leading_lines)
        if count_comments(new) < count_comments(node):
            return None
        return new, whole[1]

    def _helper_name(self, openers: Sequence[cst.Call], node: cst.With) -> str:
        verbs = {self._verb(o) for o in openers}
        verb = verbs.pop() if len(verbs) == 1 else "copy"
        opener = openers[0]
        func = opener.func
        path = func.value if isinstance(func, cst.Attribute) and func.attr.value == "open" else None
        args = [a for a in opener.args if a.keyword is None]
        if path is None and args:
            path = args.pop(0).value
        noun = _identifier(path)
        if noun in GENERIC:
            function = self.ctx.enclosing_function()
            match = re.match(r"_*(load|read|save|write|get|fetch|parse|dump|update|store)_(\w+)$", function.name.value)
            noun = match.group(2) if match and match.group(2) not in GENERIC else "file"
        name, n = f"_{verb}_{noun}", 1
        scope = self.ctx.scope(node)
        while name in self._helper_names or (scope is not None and name in scope):
            n += 1
            name = f"_{verb}_{noun}_{n}"
        self._helper_names.add(name)
        return name


def _identifier(expr: Optional[cst.BaseExpression]) -> str:
    """A short word naming what a path expression points at: ``config_path`` -> ``config``."""
    if isinstance(expr, cst.Call) and expr.args:
        return _identifier(expr.args[0].value)
    if isinstance(expr, cst.BinaryOperation):
        return _identifier(expr.right)
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
