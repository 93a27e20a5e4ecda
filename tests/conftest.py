"""Test tiers and shared fixtures.

Two tiers. The default run (the README's test command, and `.ci/run`) leaves out tests marked
``slow`` and runs hypothesis with the ``ci`` profile; it keeps a bounded sample of each slow
family (one real project, a slice of the crash corpus, the pre-commit hook, a smaller
generated file). ``--full`` runs everything, hypothesis at full strength:

    python -m pytest -q -n auto --full
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
sys.path.insert(0, str(ROOT / "bench"))  # bench/corpus.py: the pinned sdists, cached outside the repo

settings.register_profile("ci", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("full", max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="rewrite fixtures/*/*.expected.py from the current output (read the diff before committing)",
    )
    parser.addoption(
        "--full",
        action="store_true",
        help="the slow tier too: every real project, the whole crash corpus, hypothesis at full strength",
    )


def pytest_configure(config: pytest.Config) -> None:
    settings.load_profile("full" if config.getoption("--full") else "ci")


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    if config.getoption("--full") or config.getoption("-m"):
        return  # --full, or an explicit -m expression (`-m slow`) chooses for itself
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))
