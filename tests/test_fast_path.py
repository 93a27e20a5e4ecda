"""The fast path (text and names prefilters, the engine's own walk, answers taken from the
source text) against the full path (every rule on every file, libcst's traversal of every node,
``context.FULL_PATH``): the same findings, bytes and skips, in `check` and in `fix`, on every
golden input and on real projects (one in the default tier, the whole corpus with ``--full``).
Also the shortcut that spares black's check of an original black would requote."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import List

import corpus
import pytest

from asyncio_upgrade.codemods import context
from asyncio_upgrade.codemods.api import FileResult, Settings, decode_text, process_source
from asyncio_upgrade.codemods.formatting import DEFAULT_BLACK, _requoted_by_black

from golden import Case, all_cases
from sweeps import all_rules

CASES = all_cases()
SAMPLE = "aioamqp==0.14.0"


def _outcome(result: FileResult) -> tuple:
    return (result.findings, result.new_source, result.skipped, result.fixes_applied, result.findings_after)


def _full(data: bytes, settings: Settings, fix: bool, monkeypatch) -> FileResult:
    with monkeypatch.context() as patch:
        patch.setattr(context, "FULL_PATH", True)
        return process_source(data, replace(settings, prefilter=False), fix=fix)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_golden_input(case: Case, monkeypatch) -> None:
    for fix in (False, True):
        full = _full(case.input_path.read_bytes(), case.settings(None), fix, monkeypatch)
        assert _outcome(all_rules(case, fix=fix)) == _outcome(full)


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(spec, marks=() if spec == SAMPLE else pytest.mark.slow)
        for spec in sorted(corpus.RELEASES)
        if corpus.RELEASES[spec].sha256
    ],
)
def sources(request) -> List[Path]:
    return corpus.python_files(request.param)


@pytest.mark.parametrize("fix", [False, True], ids=["check", "fix"])
def test_real_project(sources: List[Path], fix: bool, monkeypatch) -> None:
    settings = Settings(target_version=(3, 11), unsafe_fixes=fix)
    differences = []
    for path in sources:
        data = path.read_bytes()
        fast = process_source(data, settings, fix=fix)
        if _outcome(fast) != _outcome(_full(data, settings, fix, monkeypatch)):
            differences.append(path.name)
    assert differences == []


# -- black's check of the original, skipped for a string black would requote ---------------


def _black_changes(text: str) -> bool:
    import black

    try:
        black.format_file_contents(text, fast=True, mode=black.Mode())
    except black.NothingChanged:
        return False
    except Exception:  # black cannot format it: not formatted either
        return True
    return True


def _requote_verdicts(paths: List[Path]) -> List[str]:
    """The files ``_requoted_by_black`` calls unformatted yet black leaves as they are."""
    wrong = []
    for path in paths:
        text = decode_text(path.read_bytes())
        if _requoted_by_black(text, DEFAULT_BLACK) and not _black_changes(text):
            wrong.append(path.name)
    return wrong


@pytest.mark.parametrize(
    ("source", "requoted"),
    [
        ("x = 'a'\n", True),
        ("x = b'a' + r'b'\n", True),
        ("x = \"a\"\n", False),
        ("'''Docstring.'''\nx = \"a\"\n", False),
        ("'Docstring.'\n", False),
        ("x = 'it\\'s'\n", False),
        ("x = 'say \"hi\"'\n", False),
        ("x = f'{a}'\n", False),
        ("x = f\"{d['k']}\"\n", False),
        ("x = 'a'  # fmt: skip\n", False),
        ("# fmt: off\nx = 'a'\n# fmt: on\n", False),
    ],
)
def test_requoted_by_black(source: str, requoted: bool) -> None:
    assert _requoted_by_black(source, DEFAULT_BLACK) is requoted
    assert not requoted or _black_changes(source)


def test_requoted_by_black_only_where_black_changes_golden() -> None:
    paths = [path for case in CASES for path in (case.input_path, case.expected_path) if path.exists()]
    assert _requote_verdicts(paths) == []


def test_requoted_by_black_only_where_black_changes(sources: List[Path]) -> None:
    assert _requote_verdicts(sources) == []
