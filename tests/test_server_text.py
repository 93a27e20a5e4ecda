"""The server's pieces that need no client: positions in UTF-16 and other encodings, text edits
between two versions of a buffer, the `# noqa` edit, and one finding's fix (``api.fix_one``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lsprotocol import types

from asyncio_upgrade.cli.server.text import Lines, changes, text_edits
from asyncio_upgrade.codemods.api import Edit, Settings, fix_one, noqa_edit, process_source


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def apply(text: str, edits) -> str:
    lines = Lines(text, len)  # UTF-32 positions: code points, as Python indexes
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: lines.offset_of(edit.range.start)] + edit.new_text + text[lines.offset_of(edit.range.end) :]
    return text


def test_positions_count_utf16_units_and_lsp_line_breaks_only() -> None:
    text = "a😀b\r\nc\x0cd\re\n"  # a form feed is not a line break for LSP
    lines = Lines(text, utf16)
    assert lines.position(text.index("b")) == types.Position(line=0, character=3)
    assert lines.position(text.index("d")) == types.Position(line=1, character=2)
    assert lines.position(text.index("e")) == types.Position(line=2, character=0)
    assert lines.offset(2, 2) == text.index("d")  # 1-based line, code points
    assert lines.offset_of(types.Position(line=0, character=3)) == text.index("b")
    assert lines.offset_of(types.Position(line=0, character=99)) == text.index("\r")  # past the end: the end
    assert lines.offset_of(types.Position(line=9, character=0)) == len(text)


@pytest.mark.parametrize(
    "old, new",
    [
        ("x = 1\n", "import y\nx = 1\n"),
        ("a\r\nb\r\n", "a\r\nc\r\nb\r\n"),
        ("a\r\nb\r\n", "a\r\n"),
        ("é😀 = f(1)\n", "é😀 = await g(1)\n"),
        ("no newline", "no newline at all"),
        ("", "x\n"),
    ],
)
def test_text_edits_turn_the_old_text_into_the_new(old: str, new: str) -> None:
    assert apply(old, text_edits(Lines(old, len), changes(old, new))) == new


def test_a_text_edit_never_splits_a_crlf() -> None:
    old, new = "a\r\nb\r\n", "a\r\n\r\nb\r\n"
    for edit in text_edits(Lines(old, len), changes(old, new)):
        for position in (edit.range.start, edit.range.end):
            offset = Lines(old, len).offset_of(position)
            assert old[offset - 1 : offset + 1] != "\r\n"


@given(st.lists(st.sampled_from(["a", "é", "😀", " ", "\n", "\r\n", "\r", "\x0c"]), max_size=12), st.lists(st.sampled_from(["a", "b", "😀", "\n", "\r\n"]), max_size=12))
def test_text_edits_on_any_two_texts(old: list, new: list) -> None:
    old_text, new_text = "".join(old), "".join(new)
    assert apply(old_text, text_edits(Lines(old_text, len), changes(old_text, new_text))) == new_text


CODE = "import asyncio\n\n\ndef f(g):\n    return asyncio.iscoroutinefunction(g)\n"


@pytest.mark.parametrize(
    "text, lines, expected",
    [
        (CODE, (5, 5), Edit(5, 41, 5, 41, "  # noqa: AIO406")),
        (CODE.replace("(g)\n", "(g)   \n"), (5, 5), Edit(5, 41, 5, 44, "  # noqa: AIO406")),  # trailing blanks replaced
        (CODE.replace("(g)\n", "(g)  # noqa:AIO101\n"), (5, 5), Edit(5, 56, 5, 56, ",AIO406")),
        (CODE.replace("(g)\n", "(g)  # noqa: AIO101, X1  # why\n"), (5, 5), Edit(5, 61, 5, 61, ", AIO406")),
        ('x = f(\n    """\n""")\n', (1, 3), Edit(1, 6, 1, 6, "  # noqa: AIO406")),
        ('x = """\n""" + f(\n    1)\n', (1, 3), Edit(3, 6, 3, 6, "  # noqa: AIO406")),  # line 1 ends in a string
        ('x = """\n""" + \\\n   f(1)\n', (1, 2), None),  # in a string, then after a backslash
        ("x = (\n", (1, 1), None),  # does not tokenize
    ],
)
def test_noqa_edit(text: str, lines: tuple, expected) -> None:
    assert noqa_edit(text, lines, "AIO406") == expected


def test_fix_one_fixes_that_finding_alone_and_nothing_when_it_is_gone() -> None:
    data = (CODE + "    asyncio.iscoroutinefunction(g)\n").encode()
    settings = Settings(target_version=(3, 11))
    first, second = process_source(data, settings, fix=False).findings
    assert fix_one(data, settings, second) == (
        b"import asyncio\nimport inspect\n\n\ndef f(g):\n    return asyncio.iscoroutinefunction(g)\n"
        b"    inspect.iscoroutinefunction(g)\n"
    )
    assert fix_one(data.replace(b"return asyncio", b"return  asyncio"), settings, first) is None
