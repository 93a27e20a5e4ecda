"""Opt-in rules (AIO9xx, `selected_by_default = False`): left out of the default selection,
run when a code, a prefix of it or `ALL` selects them, from the command line or the
configuration; `rules` and `explain` say so. The contract is checked when the class is made."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from asyncio_upgrade.cli.app import app
from asyncio_upgrade.codemods.api import Settings, process_source, rule_infos
from asyncio_upgrade.codemods.model import Safety
from asyncio_upgrade.codemods.rule import Rule

from test_cli_config import check, reported, tree

runner = CliRunner()
# AIO301 (default) and the opt-ins AIO901 and AIO903 on the same file.
SOURCE = b"import time\n\n\nasync def total(prices):\n    time.sleep(1)\n    return sum(prices)\n"


def test_only_aio9xx_rules_are_opt_in() -> None:
    opt_in = {info.code for info in rule_infos() if not info.selected_by_default}
    assert opt_in and opt_in == {info.code for info in rule_infos() if info.code.startswith("AIO9")}


@pytest.mark.parametrize(
    ("args", "table", "expected"),
    [
        ((), "", {"AIO301"}),
        (("--select", "AIO901"), "", {"AIO901"}),
        (("--select", "AIO9"), "", {"AIO901", "AIO903"}),
        (("--select", "ALL"), "", {"AIO301", "AIO901", "AIO903"}),
        (("--select", "AIO3,AIO901"), "", {"AIO301", "AIO901"}),
        ((), 'select = ["ALL"]\n', {"AIO301", "AIO901", "AIO903"}),
        ((), 'select = ["AIO3", "AIO9"]\n', {"AIO301", "AIO901", "AIO903"}),
        ((), 'ignore = ["AIO3"]\n', set()),
        (("--select", "ALL", "--ignore", "AIO9"), "", {"AIO301"}),
    ],
    ids=["default", "code", "prefix", "ALL", "list", "config ALL", "config prefix", "ignore", "ALL minus"],
)
def test_selection(tmp_path: Path, args: tuple, table: str, expected: set) -> None:
    root = tree(tmp_path, {"t.py": SOURCE}, table)
    assert {code for _, code in reported(check(*args, str(root)))} == expected


def test_the_library_default_leaves_opt_ins_out() -> None:
    default = process_source(SOURCE, Settings(target_version=(3, 13)), fix=False)
    chosen = process_source(SOURCE, Settings(target_version=(3, 13), select=frozenset({"AIO901"})), fix=False)
    assert {f.code for f in default.findings} == {"AIO301"}
    assert {f.code for f in chosen.findings} == {"AIO901"}


def test_rules_and_explain_say_opt_in() -> None:
    listing = runner.invoke(app, ["rules"]).stdout
    line = next(row for row in listing.splitlines() if row.startswith("AIO901"))
    assert "report-only (opt-in)" in line
    assert "(opt-in)" not in next(row for row in listing.splitlines() if row.startswith("AIO301"))
    assert "Opt-in: runs only when selected" in runner.invoke(app, ["explain", "AIO901"]).stdout


@pytest.mark.parametrize("default", [False, "no"])
def test_contract_allows_opt_in_only_for_aio9xx(default: object) -> None:
    with pytest.raises(TypeError, match="selected_by_default"):
        type("Bad", (Rule,), {
            "__doc__": "Summary.\n\n## Why\n\n## Fix safety\n\n## Limitations\n", "code": "AIO299", "name": "bad",
            "safety": Safety.REPORT, "trigger_words": ("x",), "selected_by_default": default,
        })
