"""AIO303: blocking file-system calls in a coroutine, moved to a worker thread."""

from __future__ import annotations

import libcst as cst

from ..kit.blocking import BlockingCallRule
from ..kit.values import is_bound_pathlib_path
from ..model import Safety

_OS_PATH = (
    "exists", "lexists", "isfile", "isdir", "islink", "ismount", "getsize", "getmtime",
    "getatime", "getctime", "samefile", "sameopenfile", "realpath",
)
_OS = (
    "stat", "lstat", "listdir", "remove", "unlink", "rename", "renames", "replace", "makedirs",
    "mkdir", "rmdir", "removedirs", "chmod", "access", "readlink", "symlink", "link", "utime",
)
_SHUTIL = (
    "copy", "copy2", "copyfile", "copymode", "copystat", "copytree", "rmtree", "move",
    "disk_usage", "make_archive", "unpack_archive",
)
FIXABLE = frozenset({
    *(f"{mod}.{name}" for mod in ("os.path", "posixpath", "ntpath", "genericpath") for name in _OS_PATH),
    *(f"os.{name}" for name in _OS),
    *(f"shutil.{name}" for name in _SHUTIL),
    "glob.glob",
})
LAZY = frozenset({"os.scandir", "os.walk", "os.fwalk", "glob.iglob"})
PATH_METHODS = {
    "exists", "is_file", "is_dir", "is_symlink", "is_mount", "stat", "lstat", "unlink", "mkdir",
    "rmdir", "rename", "replace", "touch", "chmod", "resolve", "samefile", "readlink",
    "symlink_to", "hardlink_to", "owner", "group",
}
PATH_LAZY = {"iterdir", "glob", "rglob", "walk"}


class BlockingFilesystemCall(BlockingCallRule):
    """Run blocking file-system calls in a coroutine with ``await asyncio.to_thread(...)``.

    ## Why
    ``os.path.exists``, ``os.stat``, ``os.listdir``, ``shutil.copytree`` and the like wait for
    the disk (or a network mount) while holding the event loop: no other task runs until they
    return. ``asyncio.to_thread`` (3.9) runs the same function, with the same arguments, in the
    default thread pool and lets the loop go on meanwhile, without a third-party library.
    ``os.path.exists(p)`` becomes ``await asyncio.to_thread(os.path.exists, p)``; the same for
    methods of a ``pathlib.Path`` the rule can identify (``Path(...)`` in the same expression, a
    name bound only to ``Path(...)``, a parameter annotated ``Path``).

    ## Fix safety
    Unsafe: the function, its arguments and its result or exception are the same, but by the
    definition of safe (README) what the ``await`` brings changes behaviour. Other tasks now run
    while the call is in progress, where the original held the loop (they can see a tree half
    copied by ``copytree``: `fixtures/aio303_blocking_filesystem_call/runnable_other_tasks_interleave`);
    a timeout or cancellation can now interrupt the task there, in which case the call still
    finishes in its thread while the task gets ``CancelledError``; and the call runs in a worker
    thread (context variables are copied into it). A team that accepts this applies the fixes by
    default with ``extend-safe-fixes = ["AIO3"]``. Only calls that wait for the file system are in
    the table: pure path functions (``os.path.join``, ``abspath``, ``normpath``) are not.

    ## Limitations
    Report only: calls returning lazy iterators (``os.scandir``, ``os.walk``, ``glob.iglob``,
    ``Path.iterdir/glob/rglob``), where moving the call alone would move no I/O: wrap the whole
    loop in a helper. Paths stored on ``self`` or returned by other functions are not identified.
    File opening and reading is AIO302's.
    """

    code = "AIO303"
    name = "blocking-filesystem-call"
    safety = Safety.UNSAFE
    equivalent_codes = ("ASYNC240",)
    trigger_words = ("os", "shutil", "glob", "Path")
    anchors = tuple(FIXABLE | LAZY | {"pathlib"})
    BLOCKING = FIXABLE | LAZY

    def report_call(self, node: cst.Call, name: str) -> None:
        if name in LAZY or name.startswith("Path.") and name[5:] in PATH_LAZY:
            self.report(
                node,
                f"`{name}()` does blocking file-system I/O as it is iterated in a coroutine: "
                "collect the results in a helper run with `await asyncio.to_thread(...)`",
            )
            return
        callee = f"<path>.{name[5:]}" if name.startswith("Path.") else f"{name}, ..."
        message = f"`{name}()` blocks the event loop: use `await asyncio.to_thread({callee})`"
        self.report_moved_to_thread(node, message)

    def blocking_name(self, node: cst.Call):
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in PATH_METHODS | PATH_LAZY:
            if is_bound_pathlib_path(self.ctx, func.value):
                return f"Path.{func.attr.value}"
        return super().blocking_name(node)
