"""Registry, rule modules, fixture folders and packaging all name the same rules."""

from __future__ import annotations

import re
import tomllib

from asyncio_upgrade.codemods.api import Safety, rule_infos
from asyncio_upgrade.codemods.registry import rule_docs

from conftest import FIXTURES, ROOT

INFOS = rule_infos()


def test_modules_registry_and_fixtures_are_the_same_set() -> None:
    modules = {p.stem for p in (ROOT / "codemods" / "rules").glob("aio*.py")}
    folders = {p.name for p in FIXTURES.iterdir() if p.is_dir()}
    keys = {info.key for info in INFOS}
    assert keys == modules
    assert folders == modules


def test_every_rule_has_basic_and_near_misses() -> None:
    for info in INFOS:
        folder = FIXTURES / info.key
        assert (folder / "basic.input.py").exists(), f"{info.key} has no basic case"
        assert list(folder.glob("noop_*.input.py")), f"{info.key} has no noop_ near miss"


def test_codes_and_names_are_unique_and_well_formed() -> None:
    assert len({i.code for i in INFOS}) == len(INFOS)
    assert len({i.name for i in INFOS}) == len(INFOS)
    for info in INFOS:
        assert re.fullmatch(r"AIO[1-9]\d\d", info.code)
        assert info.key.startswith(info.code.lower() + "_")
        assert isinstance(info.safety, Safety)
        assert info.summary.endswith("."), f"{info.code}: summary should be one sentence"
        for section in ("## Why", "## Fix safety", "## Limitations"):
            assert section in rule_docs(info.code)


def test_wheel_package_list_matches_the_folders() -> None:
    """A subpackage left off the explicit list would import in editable mode but be missing
    from the wheel."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = set(config["tool"]["setuptools"]["packages"])
    mapping = config["tool"]["setuptools"]["package-dir"]
    found = set()
    for package, folder in mapping.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder)
            found.add(".".join([package, *relative.parts]))
    assert declared == found
