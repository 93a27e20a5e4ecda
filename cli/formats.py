"""Output formats for findings: text, json, github, sarif, junit; and --statistics.

The json and xml modules are imported by the formats that use them, not at start-up."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, TextIO, Tuple

from asyncio_upgrade.codemods.api import Finding, FixStatus, RuleInfo

from .output import finding_line
from .version import installed_version

FORMATS = ("text", "json", "github", "sarif", "junit")
_APPLICABILITY = {FixStatus.AVAILABLE: "safe", FixStatus.APPLIED: "safe", FixStatus.UNSAFE: "unsafe"}


class Reporter:
    """Collects findings per file; streams text/github, renders the others at the end.

    Writes to ``stream`` (default: stdout, looked up when writing)."""

    def __init__(
        self, fmt: str, rules: List[RuleInfo], show_fixes: bool = False, stream: Optional[TextIO] = None
    ) -> None:
        self.fmt = fmt
        self.show_fixes = show_fixes
        self.rules = rules
        self.stream = stream
        self.files: List[Tuple[str, List[Finding]]] = []

    def add(self, path: str, findings: List[Finding]) -> None:
        out = self.stream or sys.stdout
        if self.fmt == "text":
            for finding in findings:
                print(finding_line(path, finding), file=out)
                if self.show_fixes:
                    for line in edits_lines(finding):
                        print(line, file=out)
        elif self.fmt == "github":
            for finding in findings:
                print(github_annotation(path, finding), file=out)
        else:
            self.files.append((path, list(findings)))

    def applicability(self, path: str, finding: Finding) -> Optional[str]:
        """``safe`` or ``unsafe`` for a finding with a fix, as ruff reports it: whether or not
        this run applies unsafe fixes."""
        if finding.fix not in _APPLICABILITY:
            return None
        if finding.unsafe:
            return "unsafe"
        return _APPLICABILITY[finding.fix]

    def finish(self) -> None:
        render = {"json": to_json, "sarif": to_sarif, "junit": to_junit}.get(self.fmt)
        if render is not None:
            out = self.stream or sys.stdout
            out.write(render(self))
            out.write("\n")


def finding_dict(path: str, finding: Finding, applicability: Optional[str]) -> dict:
    fix = None
    if applicability is not None:
        fix = {
            "applicability": applicability,
            "applied": finding.fix is FixStatus.APPLIED,
            "edits": [
                {"content": e.content, "line": e.line, "column": e.column + 1, "end_line": e.end_line,
                 "end_column": e.end_column + 1}
                for e in finding.edits
            ],
        }
    return {
        "code": finding.code, "name": finding.name, "message": finding.message, "path": path,
        "line": finding.line, "column": finding.column, "end_line": finding.end_line,
        "end_column": finding.end_column, "fix": fix,
    }


def to_json(reporter: Reporter) -> str:
    import json

    return json.dumps([finding_dict(p, f, reporter.applicability(p, f)) for p, fs in reporter.files for f in fs], indent=2)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(path: str, finding: Finding) -> str:
    props = (
        f"title={_escape_property(f'asyncio-upgrade ({finding.code})')},file={_escape_property(path)},"
        f"line={finding.line},col={finding.column},endLine={finding.end_line},endColumn={finding.end_column}"
    )
    return f"::warning {props}::{_escape_data(finding_line(path, finding))}"


def to_sarif(reporter: Reporter) -> str:
    import json

    from asyncio_upgrade.codemods.registry import rule_docs  # the docs are not in the manifest

    index = {rule.code: i for i, rule in enumerate(reporter.rules)}
    docs = {rule.code: rule_docs(rule.code) for rule in reporter.rules}
    results = []
    for path, findings in reporter.files:
        for finding in findings:
            result = {
                "ruleId": finding.code,
                "ruleIndex": index[finding.code],
                "level": "warning",
                "message": {"text": finding.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": Path(path).as_posix()},
                            "region": {
                                "startLine": finding.line, "startColumn": finding.column,
                                "endLine": finding.end_line, "endColumn": finding.end_column,
                            },
                        }
                    }
                ],
            }
            applicability = reporter.applicability(path, finding)
            if applicability is not None:
                result["properties"] = {"fix": applicability, "applied": finding.fix is FixStatus.APPLIED}
                if finding.edits:
                    result["fixes"] = [sarif_fix(path, finding)]
            results.append(result)
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "asyncio-upgrade",
                        "version": installed_version(),
                        "rules": [
                            {
                                "id": rule.code,
                                "name": rule.name,
                                "shortDescription": {"text": rule.summary},
                                "fullDescription": {"text": docs[rule.code]},
                                "help": {"text": docs[rule.code], "markdown": docs[rule.code]},
                                "properties": {
                                    "fix": rule.safety.value,
                                    "minimumTarget": f"{rule.min_python[0]}.{rule.min_python[1]}",
                                },
                            }
                            for rule in reporter.rules
                        ],
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2)


def sarif_fix(path: str, finding: Finding) -> dict:
    """A finding's edits as a SARIF ``fix``: regions of the original replaced by new text."""
    return {
        "description": {"text": finding.message},
        "artifactChanges": [
            {
                "artifactLocation": {"uri": Path(path).as_posix()},
                "replacements": [
                    {
                        "deletedRegion": {
                            "startLine": e.line, "startColumn": e.column + 1,
                            "endLine": e.end_line, "endColumn": e.end_column + 1,
                        },
                        "insertedContent": {"text": e.content},
                    }
                    for e in finding.edits
                ],
            }
        ],
    }


def to_junit(reporter: Reporter) -> str:
    from xml.etree import ElementTree

    total = sum(len(fs) for _, fs in reporter.files)
    suites = ElementTree.Element(
        "testsuites", name="asyncio-upgrade", tests=str(max(total, 1)), failures=str(total)
    )
    for path, findings in reporter.files:
        suite = ElementTree.SubElement(
            suites, "testsuite", name=path, tests=str(max(len(findings), 1)), failures=str(len(findings))
        )
        if not findings:
            ElementTree.SubElement(suite, "testcase", name="asyncio-upgrade", classname=path)
        for finding in findings:
            case = ElementTree.SubElement(
                suite, "testcase", name=f"{finding.code} {finding.name}", classname=f"{path}:{finding.line}:{finding.column}"
            )
            failure = ElementTree.SubElement(case, "failure", message=finding.message, type=finding.code)
            failure.text = finding_line(path, finding)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode")


def edits_lines(finding: Finding) -> List[str]:
    """The edits of a finding's fix, indented under it (`--show-fixes`)."""
    lines = []
    for edit in finding.edits:
        where = f"{edit.line}:{edit.column + 1}-{edit.end_line}:{edit.end_column + 1}"
        if edit.content:
            body = edit.content.strip("\r\n").replace("\r\n", "\n").split("\n")
            lines.append(f"    replace {where} with:")
            lines.extend(f"    | {text}" for text in body)
        else:
            lines.append(f"    delete {where}")
    return lines


def statistics(counts: Counter, names: Dict[str, str]) -> str:
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    width = max((len(str(n)) for _, n in rows), default=1)
    return "\n".join(f"{n:>{width}}  {code}  {names.get(code, '')}" for code, n in rows)


def format_option(value: Optional[str]) -> str:
    value = (value or "text").lower()
    if value not in FORMATS:
        raise ValueError(f"--output-format must be one of {', '.join(FORMATS)}")
    return value
