"""Profile `check` or `fix --diff` in one process over a few pinned releases. Not a test.

    python bench/profiling.py check|fix [--top 25] [--out FILE.prof] [--output FILE] aiohttp==2.3.10 ...

Runs the CLI in this process (``-j 1 --no-cache --target-version py311``) under cProfile and
prints the CPU seconds of the whole run (user + system, without the profiler's share it
cannot tell apart) and the costliest functions by cumulative and by own time. cProfile
inflates many small calls; compare before and after under the same profiler, and the CPU
of a run without it (``--no-profile``) for the figures to quote.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import resource
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["check", "fix"])
    parser.add_argument("releases", nargs="+")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--output", type=Path, help="keep what the command printed (to compare two versions)")
    args = parser.parse_args()
    paths = [str(corpus.unpacked(spec)) for spec in args.releases]
    command = ["check"] if args.command == "check" else ["fix", "--diff"]
    if args.output and args.command == "check":
        command.append("--output-format=json")  # with each fix's edits
    argv = [*command, "--isolated", "-q", "--no-cache", "--target-version", "py311", "-j", "1", *paths]

    from asyncio_upgrade.cli.app import main as cli

    # CPU time, not cProfile's default wall clock: on a shared machine the wall clock counts other processes' turns
    profiler = None if args.no_profile else cProfile.Profile(time.process_time)
    start = _cpu()
    sys.argv = ["asyncio-upgrade", *argv]
    printed = io.StringIO()
    with redirect_stdout(printed):
        if profiler:
            profiler.enable()
        try:
            cli()
        except SystemExit:
            pass
        finally:
            if profiler:
                profiler.disable()
    if args.output:
        args.output.write_text(printed.getvalue())
    print(f"{args.command} over {', '.join(args.releases)}: {_cpu() - start:.1f} s CPU")
    if profiler is None:
        return
    if args.out:
        profiler.dump_stats(str(args.out))
    stats = pstats.Stats(profiler)
    for order in ("cumulative", "tottime"):
        stats.sort_stats(order).print_stats(args.top)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
