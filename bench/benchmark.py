"""Throughput benchmark (issue: fast on big repositories). Not a test: run it by hand.

    python bench/benchmark.py [--corpus DIR] [--with-flake8-async] [--repeat 3]

Default corpus: the running Python's standard library without its tests, copied to a temp
folder. Reports files/s and lines/s (medians) for cold and warm `check`, `fix --diff`, and, in the
same run, `ruff check --select ASYNC` (cold and cached) and `python -m libcst.tool codemod
noop.NOOPCommand` as reference points, then the ratios the README quotes; plus the pre-commit
shape (5 files, one with findings) and peak memory at 1k and 10k files.
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
    args = parser.parse_args()
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
        print(f"peak memory, check over {count} files: {rss:.0f} MB (parent process)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
