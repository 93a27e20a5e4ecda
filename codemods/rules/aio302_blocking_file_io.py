from typing import Optional, Sequence, Tuple

import libcst as cst

from ..file_io import file_noun, io_verb, whole_file_call
from ..kit.findings import reported_for_other_library, without_fix
from ..kit.scope import in_timeout_block
from ..kit.syntax import count_comments
from ..kit.threads import awaited, only_used_once_in, thread_helper_call, thread_helper_exports, to_thread_call
from ..kit.values import is_built_pathlib_path
from ..model import Safety
from ..rule import Rule

OPENERS = frozenset({"builtins.open", "io.open", "io.open_code", "os.fdopen"})
PATH_IO = {"open", "read_text", "read_bytes", "write_text", "write_bytes"}
# Wraps a descriptor that is already open: no I/O until the file object is read or written.
WRAPS_DESCRIPTOR = frozenset({"os.fdopen"})


class BlockingFileIo(Rule):
    """Run file I/O in a worker thread with ``await asyncio.to_thread(...)`` in a coroutine.

    ## Why
    ``open()``, ``read()``, ``write()`` and ``Path.read_text()`` block the event loop on
    the disk (or a network file system) while every other task waits. Linters flag
    them (``ASYNC230``) but point to aiofiles, anyio or trio; ``asyncio.to_thread`` (3.9)
    is the standard-library fix:

    Example: `fixtures/aio302_blocking_file_io/basic`.
    Example: `fixtures/aio302_blocking_file_io/whole_file_read`.
    Example: `fixtures/aio302_blocking_file_io/path_methods`.

    A ``with`` block moves into a function run in a thread (an unsafe fix):

    Example: `fixtures/aio302_blocking_file_io/with_block_helper`.

    ## Fix safety
    Unsafe: by the definition of safe (README) what an ``await`` brings is a change of
    behaviour. The function gets the same arguments, evaluated at the same time, and returns or
    raises the same; but other tasks now run during the I/O (they interleave where the original
    held the loop), a timeout or cancellation can now interrupt the task there (the I/O still
    completes in its thread, unobserved: `fixtures/aio302_blocking_file_io/runnable_timeout_interrupts`),
    and the I/O runs in a worker thread (contextvars are copied into it; thread-locals are not).
    A team that accepts this applies the fixes by default with
    ``extend-safe-fixes = ["AIO3"]``.
    Whole-file reads and writes (``open(p).read()``, ``with open(p) as f: return f.read()``)
    become ``Path(p).read_text()`` & co., which open with the same mode, encoding and errors
    (and universal newlines), and close the file at once. They also need ``p`` to be certainly
    a ``str`` or ``Path`` (``Path`` rejects bytes paths and file descriptors), and a write
    whose data is computed by a call now computes it before the file is truncated, not after
    (likewise a ``TypeError`` for data of the wrong type now leaves the file untouched).
    A ``with`` block moved into a local helper runs in another thread while other tasks run,
    so objects it shares with them can change under it; if it raises halfway, none of the
    names it assigned are bound afterwards. ``os.fdopen(fd)`` itself wraps an open descriptor
    and does not block: it is reported without a fix, since reading or writing the file it
    returns blocks (`fixtures/aio302_blocking_file_io/noop_fdopen_does_not_block`).

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
    safety = Safety.UNSAFE
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
            self.report(node, without_fix(message, "a loop over the open file"))
            return
        if is_open and isinstance(parent, cst.Attribute) and parent.value is node:
            call = self.ctx.parent(parent)
            method = parent.attr.value
            whole = whole_file_call(self.ctx, fix, node, method, call.args) if isinstance(call, cst.Call) else None
            if whole is None or call.func is not parent:
                self.report(node, without_fix(message, f"`.{method}` on the open file"))
                return
            fix.replace(call, awaited(self.ctx, call, whole[0]))
            unsafe = whole[1] or in_timeout_block(self.ctx, node)
            self.report(node, f"{message}: read or write the whole file in a thread", fix=fix, unsafe=unsafe)
            return
        if self.ctx.resolves_to(node.func, WRAPS_DESCRIPTOR):
            # flake8-async's ASYNC231 site: a hint, not something to move to a thread
            self.report(node, without_fix(
                f"`{self.ctx.code_for(node.func)}()` returns a file whose reads and writes block the event loop",
                "the call itself does not block",
            ))
            return
        fix.replace(node, awaited(self.ctx, node, to_thread_call(to_thread, node.func, node.args)))
        self.report(node, f"{message}: run it with `asyncio.to_thread`", fix=fix, unsafe=in_timeout_block(self.ctx, node))

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
            self.report(openers[0], without_fix(message, "the shape of this `with` statement"))
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
        fix.replace(node, thread_helper_call(self.ctx, fix, node, helper, exports))
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
        whole = whole_file_call(self.ctx, fix, item.item, call.func.attr.value, call.args)
        if whole is None:
            return None
        new = line.with_changes(body=[small.with_changes(value=cst.Await(whole[0]))], leading_lines=node.leading_lines)
        if count_comments(new) < count_comments(node):
            return None
        return new, whole[1]

    def _helper_name(self, openers: Sequence[cst.Call], node: cst.With) -> str:
        verbs = {io_verb(o) for o in openers}
        verb = verbs.pop() if len(verbs) == 1 else "copy"
        noun = file_noun(openers[0], self.ctx.enclosing_function().name.value)
        name, n = f"_{verb}_{noun}", 1
        scope = self.ctx.scope(node)
        while name in self._helper_names or (scope is not None and name in scope):
            n += 1
            name = f"_{verb}_{noun}_{n}"
        self._helper_names.add(name)
        return name

