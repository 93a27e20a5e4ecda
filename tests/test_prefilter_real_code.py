"""On real asyncio code, the prefilter drops no finding and no fix, and the names answered
without scope analysis are libcst's. One sdist in the default tier, all with ``--full``."""

from __future__ import annotations

from pathlib import Path
from typing import List

import corpus
import pytest

from asyncio_upgrade.codemods import context
from asyncio_upgrade.codemods.api import Settings, process_source

# Old-style and modern asyncio code: loop=, @asyncio.coroutine, gather, wait_for, blocking calls.
SDISTS = ["aioamqp==0.14.0", "aiopg==1.0.0", "aioredis==1.3.1", "aiostream==0.6.4", "pyee==9.0.4", "aiolimiter==1.3.0"]


SAMPLE = "aioamqp==0.14.0"  # the default tier's bounded sample; --full takes them all


@pytest.fixture(
    scope="module",
    params=[pytest.param(spec, marks=() if spec == SAMPLE else pytest.mark.slow) for spec in SDISTS],
)
def sources(request) -> List[Path]:
    files = corpus.python_files(request.param)
    assert len(files) > 3
    return files


def test_prefilter_changes_no_result(sources: List[Path]) -> None:
    """Fix mode: the same findings and the same rewrite (every pass is prefiltered)."""
    differences = []
    for path in sources:
        data = path.read_bytes()
        on = process_source(data, Settings(target_version=(3, 13), unsafe_fixes=True), fix=True)
        off = process_source(data, Settings(target_version=(3, 13), unsafe_fixes=True, prefilter=False), fix=True)
        if (on.findings, on.new_source, on.skipped) != (off.findings, off.new_source, off.skipped):
            differences.append((path.name, len(on.findings), len(off.findings)))
    assert differences == []


def test_fast_names_are_libcsts(sources: List[Path], monkeypatch) -> None:
    monkeypatch.setattr(context, "CROSS_CHECK_NAMES", True)
    crashed = []
    for path in sources:
        result = process_source(path.read_bytes(), Settings(target_version=(3, 13), prefilter=False), fix=False)
        if result.internal_error:
            crashed.append((path.name, result.skipped))
    assert crashed == []
