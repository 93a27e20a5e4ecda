"""How many of flake8-async's own annotated blocking-call findings (ASYNC210-ASYNC251) our
AIO30x rules find, and where we report a line they consider clean.

flake8-async's sdist ships ``tests/eval_files/``: each expected finding is a trailing
``# ASYNCxxx: COL, ARGS`` (or ``# error: ...``) comment. Files marked ``# NOASYNCIO`` are not
checked under asyncio by flake8-async itself; those with an ``_asyncio`` twin are skipped
(the twin is measured), the others (async240.py, async250*.py, async251_multi_library.py)
are measured too, as their calls are library-independent. ``# ASYNCIO_NO_ERROR`` files
expect nothing under asyncio.

We match meaning, not spelling, and many eval files call ``subprocess.run()`` or
``httpx.Client()`` without importing the module, so each file is measured twice: as written,
and with the imports it leaves out appended at the end (which keeps line numbers; name
resolution sees module-level imports wherever they are).

Run with ``pytest tests/test_flake8_async_recall.py -s`` to see the table. The
figures asserted below are the ones reached; they may rise, never fall.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path
from typing import Dict, List, Set, Tuple

import corpus
import pytest

from asyncio_upgrade.codemods.api import Settings, process_source
from asyncio_upgrade.codemods.registry import rules_by_code

VERSION = "26.8.1"
OURS = frozenset(code for code in rules_by_code() if re.fullmatch(r"AIO30[1-7]", code))
ANNOTATION = re.compile(r"(error|ASYNC...)(_.*)?:([^#]*)(?=#|$)")
MODULES = (
    "os", "subprocess", "requests", "httpx", "httpx2", "urllib", "urllib3", "socket", "time", "io", "pathlib",
)

# (found, annotated) per flake8-async code, as reached with AIO303, AIO304, AIO306 and
# AIO307. Misses on purpose: spellings we cannot resolve (`urlopen()` with no
# import), os.path.normpath/relpath (no I/O), awaited calls, `Client.close()`, any method of
# a urllib3 pool other than the request ones, unresolvable `Optional` and a client name
# bound twice. With AIO301, AIO302 and AIO305: ASYNC230/231/250/251; ASYNC232 (a method of an
# already opened file object) is not detected (AIO302's documented limitation).
AS_WRITTEN = {
    "ASYNC210": (27, 29), "ASYNC211": (11, 11), "ASYNC240": (15, 22),
    "ASYNC230": (8, 9), "ASYNC231": (3, 3), "ASYNC250": (4, 4), "ASYNC251": (4, 4),
}
WITH_IMPORTS = {
    **AS_WRITTEN,
    "ASYNC212": (26, 40),
    "ASYNC220": (8, 8),
    "ASYNC221": (24, 24),
    "ASYNC222": (5, 5),
}
# Lines flake8-async considers clean where we report, each checked by hand: a request on a
# `urllib3.PoolManager()` whose first argument is no literal HTTP verb (they guess by the
# verb, we know the object), and `client.send()` on `client: Client = Client()` after
# `from httpx import Client` (their "# not implemented").
# And `open("")` in coroutines of the ASYNC232 file, which annotates only ASYNC232: those lines are
# ASYNC230 sites flake8-async does not check in that file (AIO302 is right to report them).
KNOWN_CLEAN_LINE_FINDINGS = (
    {f"async211.py:{n}" for n in (19, 20, 22, 23, 24, 25, 26)}
    | {"async212.py:98"}
    | {f"async232_asyncio.py:{n}" for n in (107, 112, 117, 122, 126, 131, 212, 219)}
)


def annotations(path: Path) -> Set[Tuple[int, str]]:
    """(line, code) of every expected finding, parsed as flake8-async's own test does."""
    stem_code = "ASYNC" + path.stem.split("_")[0][5:].upper()
    found = set()
    for lineno, line in enumerate(path.read_text().split("\n"), start=1):
        line = line.strip()
        if not line or line.startswith("#") or "#" not in line:
            continue
        for code, _variant, _args in ANNOTATION.findall(line):
            found.add((lineno, stem_code if code == "error" else code))
    return found


def measured_files(folder: Path) -> List[Path]:
    chosen = []
    for path in sorted(folder.glob("async*.py")):
        number = re.match(r"async(\d\d)", path.stem)
        if not number or not 21 <= int(number.group(1)) <= 25:
            continue
        text = path.read_text()
        if "# NOASYNCIO" in text and (folder / f"{path.stem}_asyncio.py").exists():
            continue
        chosen.append(path)
    return chosen


def with_missing_imports(source: str) -> str:
    """``source`` plus ``import m`` for each module it uses as ``m.x`` without binding ``m``."""
    bound = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
    missing = [m for m in MODULES if m not in bound and re.search(rf"\b{m}\.", source)]
    return source + "".join(f"import {m}\n" for m in missing)


def our_lines(source: str) -> Set[int]:
    settings = Settings(target_version=(3, 13), select=OURS, unsafe_fixes=True)
    result = process_source(source.encode(), settings, fix=False)
    assert result.skipped is None, result.skipped
    return {f.line for f in result.findings}


def measure(folder: Path, add_imports: bool) -> Tuple[Dict[str, Tuple[int, int]], List[str]]:
    found: Counter = Counter()
    total: Counter = Counter()
    clean_hits = []
    for path in measured_files(folder):
        source = path.read_text()
        expected = set() if "# ASYNCIO_NO_ERROR" in source else annotations(path)
        ours = our_lines(with_missing_imports(source) if add_imports else source)
        for line, code in expected:
            total[code] += 1
            found[code] += line in ours
        annotated_lines = {line for line, _ in expected}
        clean_hits += [f"{path.name}:{line}" for line in sorted(ours - annotated_lines)]
    return {code: (found[code], total[code]) for code in sorted(total)}, clean_hits


@pytest.fixture(scope="module")
def eval_files() -> Path:
    try:
        root = corpus.unpacked(f"flake8-async=={VERSION}")
    except corpus.CorpusError as exc:
        pytest.skip(str(exc))
    return root / "tests" / "eval_files"


def show(title: str, recall: Dict[str, Tuple[int, int]], clean: List[str]) -> None:
    print(f"\n{title}")
    for code, (hit, total) in recall.items():
        print(f"  {code}: {hit}/{total} = {hit / total:.0%}")
    print(f"  our findings on lines they consider clean: {len(clean)} {clean}")


@pytest.mark.parametrize(("add_imports", "reached"), [(False, AS_WRITTEN), (True, WITH_IMPORTS)],
                         ids=["as_written", "with_imports"])
def test_recall_does_not_regress(eval_files: Path, add_imports: bool, reached: dict) -> None:
    recall, clean = measure(eval_files, add_imports)
    show("with missing imports appended" if add_imports else "as written", recall, clean)
    for code, (hit, total) in reached.items():
        assert recall[code][1] == total, f"{code}: the eval files changed"
        assert recall[code][0] >= hit, f"{code}: recall fell to {recall[code][0]}/{total}"
    assert set(clean) <= KNOWN_CLEAN_LINE_FINDINGS, sorted(set(clean) - KNOWN_CLEAN_LINE_FINDINGS)


# Part 2: parity with flake8-async's (and ruff's) other asyncio checks. Each of these peer codes
# names the rule here that covers it in `equivalent_codes`; recall is measured over every eval file
# that annotates the code, as flake8-async's own test runs it under asyncio: files marked
# `# NOASYNCIO` or `# ASYNCIO_NO_ERROR` are left out, the others are rewritten from their
# `# BASE_LIBRARY` (trio unless said) to asyncio by whole-word substitution. ASYNC110 is the
# exception: flake8-async does not check asyncio for it ("not yet supported") but ruff does, so
# async110.py is measured under asyncio too. ASYNC103/104 belong to the cancellation rules (AIO5xx).
PARITY_CODES = (
    "ASYNC100", "ASYNC101", "ASYNC109", "ASYNC110", "ASYNC119", "ASYNC121", "ASYNC123", "ASYNC124",
    "ASYNC126", "ASYNC300", "ASYNC400", "ASYNC401", "ASYNC900", "ASYNC910", "ASYNC911", "ASYNC913",
)
RUFF_CODES = ("ASYNC110", "RUF006", "RUF029")  # ruff's own fixtures are not in its sdist: no recall
MEASURED_DESPITE_NO_ERROR = {"async110.py"}
# (found, annotated) per peer code, as reached. Misses on purpose, by code:
# ASYNC101: 9 yields in context managers of trio-only libraries (trio_websocket, trio_asyncio,
#   trio_parallel, trio_util, qtrio), which asyncio code cannot use; and `@blahabla`, which is
#   `contextmanager` imported under another name (they match the spelling, we know it is
#   contextlib's, where a yield is the point): 11 of the 12 that apply.
# ASYNC110: `asyncio.sleep_until` and `asyncio.lowlevel.checkpoint` are trio's APIs renamed by the
#   substitution; asyncio has neither: 4 of the 4 that apply.
# ASYNC910/911: `with` blocks they take to suppress exceptions by the name's spelling
#   (`mysuppress()`, `anything.dangerousname()`, `from contextlib import *`, a `suppress`
#   imported in a nested scope); we know only `contextlib.suppress` by its qualified name. And
#   an exit after a loop over `range(10)` whose body returns from a handler: we report the
#   `return`, they report the function's end too. `range(--3)`, which they do not evaluate
#   ("nor nested unary operations"), is `range(3)`: its loop runs, as we see.
PARITY_REACHED: Dict[str, Tuple[int, int]] = {
    "ASYNC100": (8, 8), "ASYNC101": (11, 21), "ASYNC109": (7, 7), "ASYNC110": (4, 6), "ASYNC119": (8, 8),
    "ASYNC121": (3, 3), "ASYNC123": (15, 15), "ASYNC124": (10, 10), "ASYNC126": (6, 6), "ASYNC300": (6, 6),
    "ASYNC400": (7, 7), "ASYNC401": (9, 9), "ASYNC900": (3, 3), "ASYNC910": (72, 80), "ASYNC911": (152, 158),
    "ASYNC913": (11, 11),
}
# Lines the peer considers clean where the rule that covers the code reports, each checked by
# hand: decorators that their command-line options (`--no-checkpoint-warning-decorator`,
# `--transform-async-generator-decorators`) declare safe, which we have no option for
# (async119.py:84, async124.py:147, async900.py:67, async910.py:537/542); `@pytest.fixture` in a
# file that never imports pytest (async900.py:33/38: we do not guess what an unbound name is);
# `create_task` imported inside the function, which they do not track (async300.py:73); a
# `yield` after `while "hello":`, whose body they count as run (async911.py:809; the loop never
# ends, so the yield is unreachable: we neither count the body nor see the loop as endless); and
# `while True: yield` on one line (async91x_noautofix.py:87): a `yield` hands control to the
# generator's consumer, not to the event loop, so it is no checkpoint for AIO904.
PARITY_CLEAN_LINE_FINDINGS: Set[str] = {
    "async119.py:84:AIO215", "async124.py:147:AIO901", "async124.py:147:AIO903", "async300.py:73:AIO204",
    "async900.py:33:AIO902", "async900.py:38:AIO902", "async900.py:67:AIO902", "async910.py:537:AIO903",
    "async910.py:542:AIO903", "async911.py:809:AIO903", "async91x_noautofix.py:87:AIO904",
}


def as_asyncio(source: str, base: str) -> str:
    """flake8-async's `replace_library` from ``base`` to asyncio: whole words only, so
    `trio_websocket` and `qtrio` stay."""
    return source if base == "asyncio" else re.sub(rf"(?<!-)(?:\b|(?<=_)){base}\b", "asyncio", source)


def parity_files(folder: Path) -> List[Tuple[Path, str]]:
    """(file, its source under asyncio) for every eval file flake8-async checks under asyncio."""
    chosen = []
    for path in sorted(folder.glob("*.py")):
        text = path.read_text()
        if "# NOASYNCIO" in text or ("# ASYNCIO_NO_ERROR" in text and path.name not in MEASURED_DESPITE_NO_ERROR):
            continue
        base = re.search(r"# BASE_LIBRARY (\w+)", text)
        chosen.append((path, as_asyncio(text, base.group(1) if base else "trio")))
    return chosen


def covering_rules() -> Dict[str, Set[str]]:
    """Peer code -> the codes of our rules whose `equivalent_codes` name it."""
    covering: Dict[str, Set[str]] = {}
    for code, rule in rules_by_code().items():
        for peer in rule.equivalent_codes:
            covering.setdefault(peer, set()).add(code)
    return covering


def measure_parity(folder: Path) -> Tuple[Dict[str, Tuple[int, int]], List[str]]:
    covering = covering_rules()
    ours_codes = frozenset().union(*(covering.get(code, set()) for code in PARITY_CODES))
    settings = Settings(target_version=(3, 13), select=ours_codes, unsafe_fixes=True)
    found: Counter = Counter()
    total: Counter = Counter()
    clean_hits = []
    for path, source in parity_files(folder):
        expected = {(line, code) for line, code in annotations(path) if code in PARITY_CODES}
        if not expected:
            continue
        result = process_source(source.encode(), settings, fix=False)
        assert result.skipped is None, (path.name, result.skipped)
        reported = {(f.line, f.code) for f in result.findings}
        for line, code in expected:
            total[code] += 1
            found[code] += any((line, ours) in reported for ours in covering.get(code, ()))
        for line, ours in sorted(reported):
            peers = rules_by_code()[ours].equivalent_codes
            if any(code in peers for _, code in expected) and not any((line, code) in expected for code in peers):
                clean_hits.append(f"{path.name}:{line}:{ours}")
    return {code: (found[code], total[code]) for code in sorted(total)}, clean_hits


def test_every_parity_code_is_covered_by_a_rule() -> None:
    covering = covering_rules()
    assert [code for code in (*PARITY_CODES, *RUFF_CODES) if code not in covering] == []


def test_parity_recall_does_not_regress(eval_files: Path) -> None:
    recall, clean = measure_parity(eval_files)
    show("parity codes, eval files under asyncio", recall, clean)
    assert set(recall) == set(PARITY_CODES), "a code no measured file annotates"
    for code, (hit, total) in PARITY_REACHED.items():
        assert recall[code][1] == total, f"{code}: the eval files changed"
        assert recall[code][0] >= hit, f"{code}: recall fell to {recall[code][0]}/{total}"
    assert set(clean) <= PARITY_CLEAN_LINE_FINDINGS, sorted(set(clean) - PARITY_CLEAN_LINE_FINDINGS)


# Part 3: cancellation (ASYNC103/104, covered by AIO501). flake8-async's eval files for them hold
# plain functions: in trio a cancellation can reach any code, while in asyncio a CancelledError
# is raised only at an `await` of a coroutine, which AIO501 requires in the `try` body. So the
# files are measured transplanted into coroutines, line numbers kept: the module wrapped in an
# `async def` (its header joined to the first line's), every `def` made `async def`, every
# `...` right after `try:` made `await asyncio.sleep(0)`, `import asyncio` appended. Misses:
# three ASYNC103 handlers in nested `try`s that re-raise through the outer one (flake8-async's
# own "weird pattern"; we count them as re-raising) and four ASYNC104 `raise e`/`raise g` of the
# caught exception in nested handlers, which we count as re-raising it.
CANCELLATION_FILES = ("async103.py", "async103_104_py311.py", "async103_no_104.py", "async104.py")
CANCELLATION_REACHED = {"ASYNC103": (29, 32), "ASYNC104": (21, 25)}
# Lines they consider clean: a loop over a `*`-unpacked iterable we do not prove non-empty
# (async103.py:246/252), and a handler whose only swallowing path is a `continue`/`break`,
# which we report on the handler too (async104.py:119/128).
CANCELLATION_CLEAN_LINE_FINDINGS = {"async103.py:246", "async103.py:252", "async104.py:119", "async104.py:128"}


def transplanted(source: str) -> str:
    """``source`` with its module code inside an ``async def`` and every function a coroutine
    whose ``try: ...`` awaits; each line stays on its line number."""
    lines, previous = [], ""
    for line in source.split("\n"):
        if previous.strip() == "try:" and line.strip() == "...":
            line = line.replace("...", "await asyncio.sleep(0)")
        previous = line
        line = re.sub(r"^(\s*)def ", r"\1async def ", line)
        lines.append(f"    {line}" if line.strip() else line)
    return "async def _transplanted():\n" + "\n".join(lines) + "\nimport asyncio\n"


def test_cancellation_recall_does_not_regress(eval_files: Path) -> None:
    settings = Settings(target_version=(3, 13), select=frozenset({"AIO501"}), unsafe_fixes=True)
    found: Counter = Counter()
    total: Counter = Counter()
    clean = []
    for name in CANCELLATION_FILES:
        path = eval_files / name
        result = process_source(transplanted(path.read_text()).encode(), settings, fix=False)
        assert result.skipped is None, (name, result.skipped)
        ours = {f.line - 1 for f in result.findings}  # the wrapper's header is one line more
        expected = {(line, "ASYNC103" if code.startswith("ASYNC103") else code) for line, code in annotations(path)}
        for line, code in expected:
            total[code] += 1
            found[code] += line in ours
        clean += [f"{name}:{line}" for line in sorted(ours - {line for line, _ in expected})]
    recall = {code: (found[code], total[code]) for code in sorted(total)}
    show("cancellation codes, transplanted into coroutines", recall, clean)
    assert set(recall) == set(CANCELLATION_REACHED)
    for code, (hit, annotated) in CANCELLATION_REACHED.items():
        assert recall[code][1] == annotated, f"{code}: the eval files changed"
        assert recall[code][0] >= hit, f"{code}: recall fell to {recall[code][0]}/{annotated}"
    assert set(clean) <= CANCELLATION_CLEAN_LINE_FINDINGS, sorted(set(clean) - CANCELLATION_CLEAN_LINE_FINDINGS)
