"""Move the imports a fix added to where isort (default settings) would put them.

libcst's ``AddImportsVisitor`` (and ``import_edits.add_imports``, its byte-exact port) appends
new import lines after the module's top import block: ``import asyncio`` lands after
``import time`` or ``from asyncio import run``, and with one blank line before a ``def`` when
the file had no imports. The engine applies it after either, so both give the same bytes. Only stdlib
imports are moved, and only within a block isort would leave as it is (sections in order,
stdlib lines sorted, no comments between them); anything else stays where libcst put it.
"""

from __future__ import annotations

import sys
from typing import List, Optional, Tuple

import libcst as cst

from .import_edits import _is_import_line, _skip_first, _top_import_lines

# None on Python 3.9: then nothing is moved.
_STDLIB = getattr(sys, "stdlib_module_names", None)
FUTURE, STDLIB, OTHER = 0, 1, 2
Key = Tuple  # (section, is_from, module) for __future__ and stdlib lines; (section,) for the rest


def placed_as_isort_would(before: cst.Module, after: cst.Module) -> cst.Module:
    """``after`` (``before`` with imports added) with the added lines moved to isort's place."""
    start = 1 if _skip_first(before) else 0
    split = start + len(_top_import_lines(before, start))
    added = len(after.body) - len(before.body)
    new_lines = list(after.body[split : split + added])
    if _STDLIB is None or added <= 0 or not all(_is_import_line(line) for line in new_lines):
        return after
    block = list(after.body[start:split])
    rest = list(after.body[split + added :])
    if not block:
        return after.with_changes(body=[*after.body[:split + added], *_two_lines_before_def(rest)])
    keys = [_key(line) for line in block]
    new_keys = [_key(line) for line in new_lines]
    if (
        any(k is None for k in keys)
        or any(k is None or k[0] != STDLIB or new_lines[i].leading_lines for i, k in enumerate(new_keys))
        or keys != sorted(keys)  # type: ignore[type-var]
        or any(_has_comment(line) for line in block[1:])
        or STDLIB not in {k[0] for k in keys} and FUTURE in {k[0] for k in keys}  # type: ignore[index]
    ):
        return after
    for line, key in sorted(zip(new_lines, new_keys), key=lambda pair: pair[1]):  # type: ignore[arg-type, return-value]
        block, keys = _inserted(block, keys, line, key)  # type: ignore[arg-type]
    return after.with_changes(body=[*after.body[:start], *block, *rest])


def _inserted(
    block: List[cst.BaseStatement], keys: List[Key], line: cst.BaseStatement, key: Key
) -> Tuple[List[cst.BaseStatement], List[Key]]:
    index = next((i for i, k in enumerate(keys) if k > key), len(block))
    if index == len(block):
        return [*block, line], [*keys, key]
    following = block[index]
    if index == 0 or keys[index][0] == STDLIB and keys[index - 1][0] != STDLIB:
        # the new line opens the block or the stdlib section: it takes the lines above it
        line = line.with_changes(leading_lines=following.leading_lines)
        separated = keys[index][0] != STDLIB
        following = following.with_changes(leading_lines=(cst.EmptyLine(),) if separated else ())
    return [*block[:index], line, following, *block[index + 1 :]], [*keys[:index], key, *keys[index:]]


def _key(line: cst.BaseStatement) -> Optional[Key]:
    statement = line.body[0]  # type: ignore[attr-defined]
    if isinstance(statement, cst.Import):
        if len(statement.names) != 1 or statement.names[0].asname is not None:
            return None
        module, is_from = statement.names[0].evaluated_name, 0
    else:
        if statement.relative or statement.module is None:
            return (OTHER,)
        module, is_from = cst.helpers.get_full_name_for_node(statement.module) or "", 1
    top = module.partition(".")[0]
    section = FUTURE if top == "__future__" else STDLIB if top in _STDLIB else OTHER  # type: ignore[operator]
    return (section, is_from, module.lower()) if section != OTHER else (OTHER,)


def _has_comment(line: cst.BaseStatement) -> bool:
    return any(empty.comment is not None for empty in line.leading_lines)


def _two_lines_before_def(rest: List[cst.BaseStatement]) -> List[cst.BaseStatement]:
    """isort leaves two blank lines between the imports and a ``def`` or ``class``."""
    if rest and isinstance(rest[0], (cst.FunctionDef, cst.ClassDef)):
        first = rest[0]
        if len(first.leading_lines) == 1 and first.leading_lines[0].comment is None:
            return [first.with_changes(leading_lines=(cst.EmptyLine(), cst.EmptyLine())), *rest[1:]]
    return rest
