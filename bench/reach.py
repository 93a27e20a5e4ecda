"""Reach on real code: what `check` finds and what the default `fix` removes, over the pinned corpus.

    python bench/reach.py [--target py311] [--unsafe-fixes] [--extend-safe-fixes AIO7] [--select ALL] [--pyflakes]
                          [--json OUT] [--why AIO402] [NAME==VERSION ...]

Per rule: sites (findings of `check`), fixed by the chosen fix, unsafe (a fix exists behind
--unsafe-fixes), report-only, and the most common reasons a site is not fixed. Per legacy pattern
(textual candidates, as counted in the issue tracker; lock sites by AIO403's evidence): occurrences
before and after the fix.
Every rewritten file must compile (if the original did) and be a fixed point; `--pyflakes` also
lists the pyflakes warnings the fix introduced (line numbers inside a warning left out: added lines
move them). First-party names and project facts are found as the CLI finds them.
`--why AIO402` sorts the `yield from` operands AIO402 could not prove awaitable by what they are
(bench/why_aio402.py). Releases come from bench/corpus.py (pinned by version and sha256, cached outside the repo).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Tuple

import corpus
from asyncio_upgrade.cli.first_party import first_party
from asyncio_upgrade.cli.project_facts import ProjectFactsFinder
from asyncio_upgrade.codemods.api import FixStatus, Settings, matched_packages, parse_version, process_source, rule_infos

# Legacy patterns by their text, before and after: a rough measure that no rule's own count
# can flatter.
PATTERNS = {
    "asyncio.TimeoutError": re.compile(r"\basyncio\.TimeoutError\b"),
    "get_event_loop()": re.compile(r"\bget_event_loop\(\)"),
    "@asyncio.coroutine": re.compile(r"@(?:asyncio\.)?coroutine\b"),
    "with await/yield from lock": re.compile(r"\bwith\s+\(?\s*(?:await|yield from)\b"),
    # ... over a name, attribute or subscript: `with (yield from self.connect()) as conn:`
    # awaits a call that returns a plain context manager, which is correct code
    "  of which not over a call": re.compile(
        r"\bwith\s+\(?\s*(?:await|yield from)\s+[A-Za-z_][\w.]*(?:\[[^\]]*\])?\s*\)?\s*(?:as\b|:)"
    ),
    "loop= argument": re.compile(r"\basyncio\.\w+\([^()]*\bloop\s*=", re.S),
    # ... to the APIs that lost it in 3.10 (Future, ensure_future, run_coroutine_threadsafe,
    # current_task and the stream classes keep it)
    "  of which removed in 3.10": re.compile(
        r"\basyncio\.(?:sleep|wait_for|wait|gather|shield|as_completed|open_connection|open_unix_connection"
        r"|start_server|start_unix_server|create_subprocess_exec|create_subprocess_shell|Queue|PriorityQueue"
        r"|LifoQueue|Lock|Event|Condition|Semaphore|BoundedSemaphore)\([^()]*\bloop\s*=",
        re.S,
    ),
    ".run_until_complete(": re.compile(r"\.run_until_complete\("),
    "asyncio.wait(": re.compile(r"\basyncio\.wait\("),
    "asyncio.gather(": re.compile(r"\basyncio\.gather\("),
    "ensure_future(": re.compile(r"\bensure_future\("),
    "asynctest": re.compile(r"\basynctest\b"),
    # the package, not a project's own helper named asynctest (asyncssh's decorator, imported by
    # `from .util import asynctest`: an import statement that starts with the package's name)
    "asynctest (the package)": re.compile(r"(?m)^[ \t]*(?:import|from)[ \t]+asynctest\b|\basynctest\.[A-Za-z_]"),
    ".run_until_complete( in tests": re.compile(r"\.run_until_complete\("),
}
# Counted by meaning, not text: `with await x:` / `with (yield from x):` over an asyncio lock by
# AIO403's evidence (its findings on the file, before and after the fix).
LOCK_SITES = "  of which over an asyncio lock (AIO403)"
ROWS = [*PATTERNS]
ROWS.insert(ROWS.index("  of which not over a call") + 1, LOCK_SITES)
# Patterns counted only in test files (under a tests folder, test_*.py, *_test.py, conftest.py).
IN_TESTS_ONLY = {".run_until_complete( in tests"}
_TEST_PATH = re.compile(r"(^|/)(tests?|testing)/|(^|/)(test_[^/]*|[^/]*_test|conftest|tests)\.py$")
_FACTS = ProjectFactsFinder()  # one per worker process: each module read once


def pattern_counts(text: str, path: str = "") -> Counter:
    in_tests = bool(_TEST_PATH.search(path))
    return Counter({name: len(pattern.findall(text)) for name, pattern in PATTERNS.items()
                    if in_tests or name not in IN_TESTS_ONLY})


def lock_sites(source: bytes, settings: Settings) -> int:
    """How many ``with await lock:`` / ``with (yield from lock):`` AIO403 finds in ``source``."""
    if not PATTERNS["with await/yield from lock"].search(source.decode("utf-8", "replace")):
        return 0
    found = process_source(source, replace(settings, select=frozenset({"AIO403"})), fix=False).findings
    return sum(f.code == "AIO403" and f.message.startswith("`with ") for f in found)


def pyflakes_warnings(source: bytes, path: str) -> Counter:
    from pyflakes import api as flakes
    from pyflakes import reporter

    class Collect(reporter.Reporter):
        def __init__(self) -> None:
            self.found: Counter = Counter()

        def flake(self, message) -> None:
            # "redefinition of unused 'f' from line 160": the line moves when a fix adds lines above
            text = re.sub(r"\bline \d+", "line N", message.message % message.message_args)
            # an unused name the fix imports from elsewhere (asynctest.mock.Mock -> unittest.mock.Mock)
            # is the same warning: keep the name bound, not the module
            text = re.sub(r"^'(?:\w+\.)+(\w+)' imported but unused$", r"'\1' imported but unused", text)
            self.found[(type(message).__name__, text)] += 1

        def unexpectedError(self, *_args) -> None:
            pass

        def syntaxError(self, *_args) -> None:
            pass

    collect = Collect()
    flakes.check(source.decode("utf-8", "replace"), path, collect)
    return collect.found


def compiles(source: bytes, path: str) -> bool:
    try:
        compile(source, path, "exec", dont_inherit=True)
    except SyntaxError:
        return False
    return True


def one_file(job: Tuple[str, Settings, bool, bool]) -> dict:
    path, settings, flakes, why = job
    data = Path(path).read_bytes()
    settings = replace(
        settings, first_party=first_party(Path(path), matched_packages()), facts=_FACTS.for_file(Path(path), data)
    )
    unknown: list = []
    if why:
        import why_aio402

        undo = why_aio402.recording(unknown)
    checked = process_source(data, settings, fix=False)
    if why:
        undo()
    fixed = process_source(data, settings, fix=True)
    after = fixed.new_source if fixed.new_source is not None else data
    text_before = data.decode("utf-8", "replace")
    locks = Counter({LOCK_SITES: lock_sites(data, settings)})
    out = {
        "path": path,
        "skipped": checked.skipped,
        "internal": checked.internal_error or fixed.internal_error,
        "findings": [(f.code, f.fix.value, f.message) for f in checked.findings],
        "rewritten": fixed.new_source is not None,
        "patterns_before": pattern_counts(text_before, path) + locks,
        "patterns_after": pattern_counts(after.decode("utf-8", "replace"), path)
        + Counter({LOCK_SITES: lock_sites(after, settings) if after is not data else locks[LOCK_SITES]}),
        "problems": [],
        "new_flakes": [],
        "unknown_operands": unknown,
    }
    if fixed.new_source is not None:
        try:
            compile(fixed.new_source, path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            if compiles(data, path):  # some test data never compiled (flake8-async's async124.py)
                out["problems"].append(f"does not compile: {exc}")
        if process_source(fixed.new_source, settings, fix=True).new_source is not None:
            out["problems"].append("a second run changed it again")
        if flakes:
            new = pyflakes_warnings(fixed.new_source, path) - pyflakes_warnings(data, path)
            out["new_flakes"] = [f"{kind}: {text}" for (kind, text), n in new.items() for _ in range(n)]
    return out


def reason(message: str) -> str:
    """What a finding says about why it is not fixed: from its "(no automatic fix:" or
    "(unsafe:" part on, else the message itself; cut to 110 characters."""
    for marker in ("(no automatic fix:", "(unsafe:", " — "):
        if marker in message:
            return message[message.index(marker):][:110]
    return message[:110]


def selection(tokens: Optional[str]) -> Optional[FrozenSet[str]]:
    """The codes ``--select`` names (prefixes and ALL as the CLI reads them); None: the default."""
    if tokens is None:
        return None
    wanted = [token.strip().upper() for token in tokens.split(",") if token.strip()]
    codes = [info.code for info in rule_infos()]
    return frozenset(code for code in codes if any(t == "ALL" or code.startswith(t) for t in wanted))


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("projects", nargs="*", default=sorted(corpus.RELEASES))
    parser.add_argument("--target", default="py311")
    parser.add_argument("--unsafe-fixes", action="store_true")
    parser.add_argument("--select", help="rule codes or prefixes, comma-separated, or ALL (default: the default selection)")
    parser.add_argument("--extend-safe-fixes", help="rule codes or prefixes whose unsafe fixes count as safe (AIO7: "
                        "the test-suite migrations opted in, as a team would)")
    parser.add_argument("--pyflakes", action="store_true", help="list pyflakes warnings the fix introduced")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--why", choices=["AIO402"], help="break down the operands AIO402 could not prove awaitable")
    parser.add_argument("-j", "--jobs", type=int, default=None)
    args = parser.parse_args(argv)
    settings = Settings(target_version=parse_version(args.target), unsafe_fixes=args.unsafe_fixes, select=selection(args.select),
                        extend_safe_fixes=selection(args.extend_safe_fixes) or frozenset())

    jobs = [(str(p), settings, args.pyflakes, args.why == "AIO402") for spec in args.projects for p in corpus.python_files(spec)]
    per_rule: Dict[str, Counter] = defaultdict(Counter)
    reasons: Dict[str, Counter] = defaultdict(Counter)
    before: Counter = Counter()
    after: Counter = Counter()
    problems: List[str] = []
    flakes: Counter = Counter()
    files = rewritten = skipped = 0
    unknown: Dict[str, list] = {}
    with ProcessPoolExecutor(args.jobs) as pool:
        for out in pool.map(one_file, jobs, chunksize=4):
            files += 1
            rewritten += out["rewritten"]
            skipped += bool(out["skipped"])
            if out["internal"]:
                problems.append(f"{out['path']}: internal error: {out['skipped']}")
            problems += [f"{out['path']}: {p}" for p in out["problems"]]
            flakes.update(f"{out['path']}: {w}" for w in out["new_flakes"])
            before.update(out["patterns_before"])
            after.update(out["patterns_after"])
            if out["unknown_operands"]:
                unknown[out["path"]] = out["unknown_operands"]
            for code, status, message in out["findings"]:
                per_rule[code][status] += 1
                if status != FixStatus.AVAILABLE.value:
                    reasons[code][f"{status}: {reason(message)}"] += 1

    mode = "--unsafe-fixes" if args.unsafe_fixes else "safe fixes only"
    mode += f", --extend-safe-fixes {args.extend_safe_fixes}" if args.extend_safe_fixes else ""
    print(f"# Reach over {len(args.projects)} releases, {files} files ({rewritten} rewritten, {skipped} skipped); "
          f"fix --target-version {args.target}, {mode}\n")
    print("| rule | sites | fixed | unsafe | report-only | fixed % |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for code in sorted(per_rule):
        counts = per_rule[code]
        sites = sum(counts.values())
        fixed = counts[FixStatus.AVAILABLE.value]
        print(f"| {code} | {sites} | {fixed} | {counts['unsafe']} | {counts['none']} | {fixed / sites:.0%} |")
    print("\n| pattern (text) | before | after | removed |")
    print("| --- | ---: | ---: | ---: |")
    for name in ROWS:
        removed = (before[name] - after[name]) / before[name] if before[name] else 0
        print(f"| `{name}` | {before[name]} | {after[name]} | {removed:.0%} |")
    print("\nTop reasons a site is not fixed:")
    for code in sorted(reasons):
        for text, count in reasons[code].most_common(3):
            print(f"  {code} {count:4d}  {text}")
    if args.why == "AIO402":
        import why_aio402

        print("\n".join(why_aio402.report(unknown)))
    if args.pyflakes:
        print(f"\nNew pyflakes warnings: {sum(flakes.values())}")
        for line in sorted(flakes)[:40]:
            print(f"  {line}")
    print(f"\nProblems (must be none): {len(problems)}")
    for line in problems[:40]:
        print(f"  {line}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "rules": {code: dict(counts) for code, counts in per_rule.items()},
            "patterns": {name: [before[name], after[name]] for name in ROWS},
            "problems": problems, "new_pyflakes": sorted(flakes),
        }, indent=2))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
