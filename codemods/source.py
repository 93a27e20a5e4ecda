"""Bytes <-> text, keeping the file's encoding, BOM and coding cookie exactly; and reading it with
Python's own parser without printing its warnings."""

from __future__ import annotations

import ast
import io
import tokenize
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator


class UndecodableSource(Exception):
    """The bytes are not text in the encoding the file declares (or UTF-8)."""


@dataclass(frozen=True)
class DecodedSource:
    text: str
    encoding: str  # "utf-8-sig" when the file starts with a BOM

    def encode(self, text: str) -> bytes:
        return text.encode(self.encoding)


def decode(data: bytes) -> DecodedSource:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if "unknown encoding" in str(exc):
            raise UndecodableSource(f"{exc} (in the coding cookie)") from None
        encoding = "utf-8"  # undecodable bytes in the first two lines: say so below
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        declared = "" if encoding.startswith("utf-8") else f" as declared ({encoding})"
        hint = "" if declared else " and has no coding cookie"
        raise UndecodableSource(
            f"cannot decode byte {exc.object[exc.start]:#04x} at offset {exc.start}{declared}: "
            f"not {'valid ' + encoding if declared else 'UTF-8'}{hint}"
        ) from None
    return DecodedSource(text=text, encoding=encoding)


@contextmanager
def quietly() -> Iterator[None]:
    """Without the warnings CPython prints about code it reads (invalid escape sequences,
    ``is`` with a literal...): they are about the user's code, not ours to print on every
    run, and ``-W error`` would turn them into a SyntaxError."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def quiet_ast(text: str, mode: str = "exec") -> ast.AST:
    with quietly():
        return ast.parse(text, mode=mode)


def quiet_compile(text: str, filename: str) -> None:
    """``compile`` for its SyntaxError only."""
    with quietly():
        compile(text, filename, "exec", dont_inherit=True)
