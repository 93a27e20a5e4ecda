"""The README's rules reference is generated, and the wheel holds exactly our packages."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from asyncio_upgrade.cli.generate import main as generate
from asyncio_upgrade.codemods import api
from asyncio_upgrade.codemods.registry import all_rules

from conftest import ROOT


def test_readme_reference_and_manifest_are_up_to_date(monkeypatch, capsys) -> None:
    monkeypatch.chdir(ROOT)
    assert generate(["--check"]) == 0, capsys.readouterr().out


def test_manifest_describes_the_rule_classes() -> None:
    assert api.rule_infos() == [rule.info() for rule in all_rules()]


def test_prefiltered_sources_do_not_import_libcst() -> None:
    code = (
        "import sys; from asyncio_upgrade.codemods.api import Settings, process_source, rule_infos;"
        "rule_infos(); process_source(b'x = 1\\n', Settings(), fix=True);"
        "print('libcst' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_wheel_contains_the_mapped_packages_and_no_fixtures(tmp_path: Path) -> None:
    source = tmp_path / "src"  # setuptools builds in ./build: keep it out of the checkout
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
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


def test_checking_a_file_does_not_import_libcst_matchers_unless_a_rule_uses_them() -> None:
    """libcst.matchers takes 0.3 s to import: the pre-commit hook on a small file must not pay it."""
    code = (
        "import sys\n"
        "from asyncio_upgrade.codemods.api import Settings, process_source\n"
        "r = process_source(b'import time\\nasync def f():\\n    time.sleep(1)\\n', Settings(), fix=False)\n"
        "assert r.findings, r\n"
        "m = sys.modules.get('libcst.matchers')\n"
        "print(type(m).__name__ if m is not None else 'absent')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() in ("absent", "_LazyModule"), out
