"""Throughput benchmark (issue: fast on big repositories). Not a test: run it by hand.

    python bench/benchmark.py [--corpus DIR] [--with-flake8-async] [--repeat 3] [--only stdlib|asyncio]

Two corpora, one run. The standard library without its tests (copied to a temp folder; or
``--corpus DIR``): files/s and lines/s (medians) for cold and warm `check`, `fix --diff`, and,
in the same run, `ruff check --select ASYNC` (cold and cached) and `python -m libcst.tool
codemod noop.NOOPCommand` as reference points, then the ratios the README quotes; plus the
pre-commit shape (5 files, one with findings) and peak memory at 1k and 10k files. Then the
asyncio-heavy corpus (the pinned releases of ``bench/corpus.py``, where almost every file
passes the text step): libcst's ``parse_module`` of every file in as many processes as `check`
uses (the floor for a libcst tool), cold `check` and `fix --diff`, and ruff, the commands
taking turns round after round, with the ratios to the floor by wall and by CPU time.
Needs `pip install ruff` (and flake8 flake8-async for --with-flake8-async).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional

SKIP = {"test", "tests", "idle_test", "site-packages", "__pycache__", "lib2to3"}
TOOL = [sys.executable, "-m", "asyncio_upgrade.cli"]


def copy_stdlib(dest: Path) -> Path:
    src = Path(sysconfig.get_paths()["stdlib"])
    for path in src.rglob("*.py"):
        rel = path.relative_to(src)
        if SKIP & set(rel.parts):
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return dest


def corpus_size(root: Path) -> tuple:
    files = list(root.rglob("*.py"))
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    return len(files), lines


class Timing(NamedTuple):
    wall: float
    cpu: float  # user + system seconds of the command and its processes: steadier on a busy machine


def environment(extra: Optional[Dict[str, str]]) -> Dict[str, str]:
    """The caller's environment, except that Python may write bytecode: with
    PYTHONDONTWRITEBYTECODE set, an editable install recompiles every module of the tool on
    every run, which no installed copy does."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **(extra or {})}


def timed(command: List[str], cwd: Path, env: Optional[Dict[str, str]] = None) -> Timing:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, env=environment(env))
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1, 2):
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr.decode()[-2000:]}")
    return Timing(elapsed, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)


def peak_rss_mb(command: List[str], cwd: Path) -> float:
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *command], cwd=cwd, capture_output=True, text=True, env=environment(None))
    return int(done.stderr.strip().splitlines()[-1]) / 1024


def median_of(repeat: int, run) -> Timing:
    runs = [run() for _ in range(repeat)]
    return Timing(statistics.median(t.wall for t in runs), statistics.median(t.cpu for t in runs))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--with-flake8-async", action="store_true")
    parser.add_argument("--only", choices=["stdlib", "asyncio"])
    parser.add_argument("--libcst-parse", nargs="+", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("-j", type=int, default=os.cpu_count() or 1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.libcst_parse:
        return parse_every_file(args.libcst_parse, args.j)
    if args.only != "asyncio":
        standard_library(args)
    if args.only != "stdlib":
        asyncio_heavy(args.repeat)


def standard_library(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="aio-bench-"))
    corpus = args.corpus or copy_stdlib(work / "corpus")
    files, lines = corpus_size(corpus)
    print(f"corpus: {corpus} — {files} files, {lines} lines; {os.cpu_count()} cores; Python {sys.version.split()[0]}")
    jobs = str(os.cpu_count() or 1)
    results: Dict[str, Timing] = {}

    def cold_check() -> Timing:
        cache = Path(tempfile.mkdtemp(dir=work))
        return timed([*TOOL, "check", "--isolated", "-q", "--cache-dir", str(cache), "-j", jobs, str(corpus)], work)

    results["asyncio-upgrade check (cold)"] = median_of(args.repeat, cold_check)
    warm_cache = Path(tempfile.mkdtemp(dir=work))
    timed([*TOOL, "check", "--isolated", "-q", "--cache-dir", str(warm_cache), str(corpus)], work)
    results["asyncio-upgrade check (warm cache)"] = median_of(
        args.repeat, lambda: timed([*TOOL, "check", "--isolated", "-q", "--cache-dir", str(warm_cache), str(corpus)], work)
    )
    results["asyncio-upgrade fix --diff (cold)"] = median_of(
        args.repeat, lambda: timed([*TOOL, "fix", "--diff", "--isolated", "-q", "--no-cache", "-j", jobs, str(corpus)], work)
    )
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if Path(ruff).exists():
        results["ruff check --select ASYNC (no cache)"] = median_of(
            args.repeat, lambda: timed([ruff, "check", "--isolated", "--no-cache", "--select", "ASYNC", "--exit-zero", str(corpus)], work)
        )
        results["ruff check --select ASYNC (cached)"] = median_of(
            args.repeat, lambda: timed([ruff, "check", "--isolated", "--select", "ASYNC", "--exit-zero", str(corpus)], work)
        )
    # libcst.tool takes its options after the command name ("-j 2" before it is read as the command).
    libcst_noop = [sys.executable, "-m", "libcst.tool", "codemod", "noop.NOOPCommand", "-j", jobs, "--no-format",
                   "--hide-progress", str(corpus)]
    results["libcst.tool codemod noop"] = median_of(1, lambda: timed(libcst_noop, work))
    if args.with_flake8_async:
        results["flake8 --select ASYNC (flake8-async)"] = timed(
            [sys.executable, "-m", "flake8", "--select", "ASYNC", "-j", jobs, "--exit-zero", str(corpus)], work
        )

    print(f"\n{'command':42} {'wall s':>7} {'cpu s':>7} {'files/s':>9} {'lines/s':>10}")
    for name, timing in results.items():
        print(f"{name:42} {timing.wall:7.2f} {timing.cpu:7.2f} {files / timing.wall:9.0f} {lines / timing.wall:10.0f}")

    def ratio(slow: str, fast: str) -> str:
        a, b = results[slow], results[fast]
        return f"{a.wall / b.wall:.1f}x by wall time, {a.cpu / b.cpu:.1f}x by CPU time"

    print("\nratios:")
    print(f"  cold check vs libcst noop codemod (target >= 8x faster): {ratio('libcst.tool codemod noop', 'asyncio-upgrade check (cold)')}")
    if "flake8 --select ASYNC (flake8-async)" in results:
        print(f"  cold check vs flake8-async (target >= 50x faster): {ratio('flake8 --select ASYNC (flake8-async)', 'asyncio-upgrade check (cold)')}")
    if "ruff check --select ASYNC (no cache)" in results:
        warm, ruff = results["asyncio-upgrade check (warm cache)"], results["ruff check --select ASYNC (no cache)"]
        print(f"  warm check vs ruff uncached (target <= 2x ruff's time): {warm.wall / ruff.wall:.1f}x by wall time")

    shape = work / "precommit"
    shape.mkdir()
    for index in range(4):
        (shape / f"plain_{index}.py").write_text("import os\n\n\ndef f(x):\n    return os.path.join(x, 'y')\n" * 20)
    (shape / "finding.py").write_text("import time\n\n\nasync def main():\n    time.sleep(1)\n")
    staged = list(map(str, sorted(shape.iterdir())))
    timed([*TOOL, "fix", "--diff", "--isolated", "--no-cache", *staged], work)  # bytecode written, as installed
    print("\npre-commit shape (5 files, one with a finding, start-up included; target < 0.5 s wall):")
    for command in (["check"], ["fix", "--diff"]):
        timing = median_of(5, lambda: timed([*TOOL, *command, "--isolated", "--no-cache", *staged], work))
        print(f"  {' '.join(command):10} {timing.wall:.2f} s wall, {timing.cpu:.2f} s CPU")

    source_files = sorted(corpus.rglob("*.py"))
    for count in (1000, 10000):
        many = work / f"many_{count}"
        for index in range(count):
            target = many / f"d{index // 500}" / f"f{index}.py"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source_files[index % len(source_files)], target)
        rss = peak_rss_mb([*TOOL, "check", "--isolated", "-q", "--no-cache", "-j", jobs, str(many)], work)
        print(f"peak memory, check over {count} files: {rss:.0f} MB (the largest process: GNU time reports the largest of the tool and its workers)")
    shutil.rmtree(work, ignore_errors=True)


def asyncio_heavy(repeat: int) -> None:
    """The pinned asyncio projects: every command once per round, rounds alternating the
    order, medians of wall and CPU time."""
    sys.path.insert(0, str(Path(__file__).parent))
    import corpus

    roots = [corpus.unpacked(spec) for spec in sorted(corpus.RELEASES) if corpus.RELEASES[spec].sha256]
    files = lines = 0
    for root in roots:
        count, size = corpus_size(root)
        files, lines = files + count, lines + size
    jobs = str(os.cpu_count() or 1)
    paths = [str(root) for root in roots]
    work = Path(tempfile.mkdtemp(prefix="aio-bench-"))
    print(f"\nasyncio-heavy corpus: {len(roots)} releases from bench/corpus.py — {files} files, {lines} lines; {jobs} processes")
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    commands: Dict[str, List[str]] = {
        f"libcst parse_module of every file, {jobs} processes": [sys.executable, __file__, "-j", jobs, "--libcst-parse", *paths],
        "asyncio-upgrade check --no-cache (py311)": [
            *TOOL, "check", "--isolated", "-q", "--no-cache", "--target-version", "py311", "-j", jobs, *paths
        ],
        "asyncio-upgrade fix --diff --no-cache (py311)": [
            *TOOL, "fix", "--diff", "--isolated", "-q", "--no-cache", "--target-version", "py311", "-j", jobs, *paths
        ],
    }
    if Path(ruff).exists():
        commands["ruff check --no-cache --select ASYNC,RUF006,UP041"] = [
            ruff, "check", "--isolated", "--no-cache", "--select", "ASYNC,RUF006,UP041", "--exit-zero", *paths
        ]
    runs: Dict[str, List[Timing]] = {name: [] for name in commands}
    order = list(commands)
    for round_ in range(repeat):
        for name in order if round_ % 2 == 0 else order[::-1]:
            runs[name].append(timed(commands[name], work))
    results = {name: Timing(statistics.median(t.wall for t in ts), statistics.median(t.cpu for t in ts)) for name, ts in runs.items()}
    print(f"\n{'command':52} {'wall s':>7} {'cpu s':>7}")
    for name, timing in results.items():
        print(f"{name:52} {timing.wall:7.2f} {timing.cpu:7.2f}")
    floor = results[order[0]]
    print("\nratios to the parse-only floor (targets: check <= 2x, fix --diff <= 3x):")
    for name in order[1:3]:
        timing = results[name]
        print(f"  {name:50} {timing.wall / floor.wall:.1f}x by wall time, {timing.cpu / floor.cpu:.1f}x by CPU time")
    shutil.rmtree(work, ignore_errors=True)


def parse_every_file(roots: List[Path], jobs: int) -> None:
    """libcst's ``parse_module`` of every file under ``roots``, in ``jobs`` processes: the
    least any libcst tool pays."""
    from concurrent.futures import ProcessPoolExecutor

    paths = [str(path) for root in roots for path in sorted(root.rglob("*.py"))]
    with ProcessPoolExecutor(jobs) as pool:
        list(pool.map(_parse_file, paths, chunksize=8))


def _parse_file(path: str) -> None:
    import libcst

    try:
        libcst.parse_module(Path(path).read_bytes())
    except Exception:  # a Python 2 file of an old release: the tools skip it too
        pass


if __name__ == "__main__":
    main()
