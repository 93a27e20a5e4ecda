"""The README's rules reference is generated, and the wheel holds exactly our packages."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from asyncio_upgrade.cli.docs import render, updated_readme
from asyncio_upgrade.codemods.api import rule_infos

from conftest import FIXTURES, ROOT


def test_readme_rules_reference_is_up_to_date() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    expected = updated_readme(readme, render(rule_infos(), FIXTURES))
    assert readme == expected, "run `python -m asyncio_upgrade.cli.docs` and commit README.md"


def test_wheel_contains_the_mapped_packages_and_no_fixtures(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("asyncio_upgrade-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"asyncio_upgrade"}
    rules = {Path(n).stem for n in names if n.startswith("asyncio_upgrade/codemods/rules/aio")}
    assert rules == {p.stem for p in (ROOT / "codemods" / "rules").glob("aio*.py")}
    assert "asyncio_upgrade/cli/app.py" in names
    assert not any("fixtures" in n for n in names)
