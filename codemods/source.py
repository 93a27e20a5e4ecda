"""Bytes <-> text, keeping the file's encoding, BOM and coding cookie exactly."""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass


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
