"""libcst parsing that cannot take the process down.

libcst's native parser recurses on the C stack: a few thousand nested brackets, or a
10k-term operator chain, overflow the main thread's 8 MiB stack and kill the process
(and with it a whole batch). We parse on a thread with a large stack, and refuse
bracket nesting deeper than CPython itself accepts (200 levels).
"""

from __future__ import annotations

import io
import os
import re
import threading
import tokenize
from concurrent.futures import ThreadPoolExecutor
from typing import Optional, Tuple

import libcst as cst

MAX_BRACKET_DEPTH = 200  # CPython's tokenizer limit ("too many nested parentheses")
_STACK_BYTES = 512 * 1024 * 1024
_BRACKETS = re.compile(r"[\[\](){}]")

_executor: Optional[Tuple[int, ThreadPoolExecutor]] = None


class TooDeeplyNested(Exception):
    pass


def parse_module(text: str) -> cst.Module:
    if _naive_depth(text) > MAX_BRACKET_DEPTH and _token_depth(text) > MAX_BRACKET_DEPTH:
        raise TooDeeplyNested(f"brackets nested deeper than {MAX_BRACKET_DEPTH} levels")
    return _big_stack().submit(cst.parse_module, text).result()


def _big_stack() -> ThreadPoolExecutor:
    global _executor
    if _executor is None or _executor[0] != os.getpid():  # a forked child needs its own
        previous = threading.stack_size(_STACK_BYTES)
        try:
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="asyncio-upgrade-parse")
            pool.submit(lambda: None).result()  # start the thread while the size is set
        finally:
            threading.stack_size(previous)
        _executor = (os.getpid(), pool)
    return _executor[1]


def _naive_depth(text: str) -> int:
    """Bracket depth counting brackets inside strings too: a cheap upper bound in practice."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        if match.group() in "([{":
            depth += 1
            if depth > deepest:
                deepest = depth
        else:
            depth -= 1
    return deepest


def _token_depth(text: str) -> int:
    depth = deepest = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.OP:
                if tok.string in "([{":
                    depth += 1
                    deepest = max(deepest, depth)
                elif tok.string in ")]}":
                    depth -= 1
    except (tokenize.TokenError, SyntaxError):
        pass
    return deepest
