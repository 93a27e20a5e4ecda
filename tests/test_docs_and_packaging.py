"""The rules reference (docs/rules.md) and the manifest are generated and current, the README
stays short, and the wheel holds exactly our packages."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from asyncio_upgrade.cli.generate import FIXTURE_OPTIONS, RULES_DOC, main as generate, section_link
from asyncio_upgrade.codemods import api
from asyncio_upgrade.codemods.registry import all_rules, rule_docs

from conftest import ROOT
from golden import KNOWN_OPTIONS


def test_rules_reference_and_manifest_are_up_to_date(monkeypatch, capsys) -> None:
    monkeypatch.chdir(ROOT)
    assert generate(["--check"]) == 0, capsys.readouterr().out


def test_readme_is_at_most_15_kb() -> None:
    assert len((ROOT / "README.md").read_bytes()) <= 15 * 1024


def test_hand_written_docs_repeat_no_paragraph() -> None:
    """A scripted edit of a doc once inserted a paragraph between every two characters (164k
    lines); a repeated paragraph is the sign of one."""
    for path in [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *(ROOT / "docs").glob("*.md")]:
        if path.name == "rules.md":
            continue  # generated: examples may repeat
        paragraphs = [p.strip() for p in path.read_text(encoding="utf-8").split("\n\n") if len(p.strip()) > 200]
        repeated = {p[:60] for p in paragraphs if paragraphs.count(p) > 1}
        assert not repeated, f"{path.name}: repeated paragraphs {sorted(repeated)[:3]}"
        assert len(path.read_bytes()) < 200 * 1024, path.name


def test_readme_links_to_the_rules_reference() -> None:
    assert f"]({RULES_DOC})" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_rules_reference_has_a_section_per_rule_and_no_fixture_headers() -> None:
    reference = (ROOT / RULES_DOC).read_text(encoding="utf-8")
    headings = re.findall(r"^(#+) (AIO\d{3}) (\S+)$", reference, flags=re.M)
    assert [(depth, code, name) for depth, code, name in headings] == [("##", r.code, r.name) for r in all_rules()]
    sections = re.findall(r"^(#+) (?:Why|Fix safety|Limitations)$", reference, flags=re.M)
    assert len(sections) >= 3 * len(headings) and set(sections) == {"###"}, "a rule's sections sit below its heading"
    options = "|".join(map(re.escape, sorted(FIXTURE_OPTIONS)))
    leaked = re.findall(rf"^[-+ ]?#\s*(?:{options})\b.*$", reference, flags=re.M)
    assert not leaked, leaked


def test_docstring_examples_are_golden_cases() -> None:
    """Code in a docstring is tested by nothing: examples are cases, shown by their pointer."""
    for rule in all_rules():
        assert "```" not in rule_docs(rule.code), f"{rule.code}: turn the example into a case in fixtures/{rule.key}"


def test_the_reference_strips_the_options_the_golden_harness_reads() -> None:
    assert FIXTURE_OPTIONS == KNOWN_OPTIONS


def test_every_rule_section_is_linked_from_explain() -> None:
    reference = (ROOT / RULES_DOC).read_text(encoding="utf-8")
    for rule in all_rules():
        anchor = section_link(rule.info()).partition("#")[2]
        heading = f"## {rule.code} {rule.name}"
        assert heading in reference and anchor == re.sub(r"[^a-z0-9 -]", "", heading[3:].lower()).replace(" ", "-")


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


def test_ci_runs_the_readmes_test_command_verbatim() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^python3 -m venv .*pytest.*$", readme, flags=re.M)
    assert len(commands) == 1, commands
    assert commands[0] in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
