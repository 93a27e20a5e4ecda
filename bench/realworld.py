"""Run every rule over pinned releases of real projects from the package index.

    python bench/realworld.py [--target py312] [--unsafe-fixes] [NAME==VERSION ...]

For each project: sites fixed / withheld as unsafe / reported per rule, files rewritten, and
proof that every rewritten file compiles and that a second run changes nothing. Downloads
sdists with pip into ./.realworld-cache (gitignored).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import zipfile
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from asyncio_upgrade.codemods.api import FixStatus, Settings, parse_version, process_source

PROJECTS = [
    "aiohttp==2.3.10", "aio-pika==6.8.0", "aioamqp==0.14.0", "aiopg==1.0.0", "aiomysql==0.0.22",
    "Telethon==1.10.10",
]
CACHE = Path(".realworld-cache")


def fetch(spec: str) -> Path:
    name, version = spec.split("==")
    unpacked = CACHE / f"{name}-{version}"
    if unpacked.exists():
        return unpacked
    downloads = CACHE / "downloads"
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", spec.split("==")[0], spec, "-d",
                    str(downloads)], check=True)
    archive = next(p for p in downloads.iterdir() if p.name.lower().replace("_", "-").startswith(f"{name.lower()}-{version}"))
    unpacked.mkdir(parents=True)
    if archive.suffix == ".zip":
        zipfile.ZipFile(archive).extractall(unpacked)
    else:
        with tarfile.open(archive) as tar:
            tar.extractall(unpacked)
    return unpacked


def one_file(job):
    path, settings = job
    data = Path(path).read_bytes()
    result = process_source(data, settings, fix=True)
    problems = []
    if result.new_source is not None:
        try:
            compile(result.new_source, path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            problems.append(f"does not compile: {exc}")
        again = process_source(result.new_source, settings, fix=True)
        if again.new_source is not None:
            problems.append("second run changed it again")
    return path, result, problems


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("projects", nargs="*", default=PROJECTS)
    parser.add_argument("--target", default="py312")
    parser.add_argument("--unsafe-fixes", action="store_true")
    args = parser.parse_args()
    settings = Settings(target_version=parse_version(args.target), unsafe_fixes=args.unsafe_fixes)
    totals = defaultdict(Counter)
    for spec in args.projects:
        root = fetch(spec)
        files = sorted(str(p) for p in root.rglob("*.py"))
        per_rule = defaultdict(Counter)
        rewritten = skipped = internal = 0
        problems = []
        with ProcessPoolExecutor() as pool:
            for path, result, issues in pool.map(one_file, [(f, settings) for f in files], chunksize=8):
                if result.skipped:
                    skipped += 1
                    internal += result.internal_error
                    if result.internal_error:
                        problems.append(f"{path}: {result.skipped}")
                rewritten += result.new_source is not None
                problems += [f"{path}: {p}" for p in issues]
                for finding in result.findings:
                    per_rule[finding.code][finding.fix.value] += 1
                    totals[finding.code][finding.fix.value] += 1
        print(f"\n## {spec}: {len(files)} files, {rewritten} rewritten, {skipped} skipped ({internal} internal errors)")
        for code in sorted(per_rule):
            counts = per_rule[code]
            print(f"  {code}: " + ", ".join(f"{status} {counts[status]}" for status in ("applied", "unsafe", "none") if counts[status]))
        for problem in problems:
            print(f"  PROBLEM {problem}")
    print("\n## all projects")
    for code in sorted(totals):
        counts = totals[code]
        print(f"  {code}: " + ", ".join(f"{status} {counts[status]}" for status in ("applied", "unsafe", "none") if counts[status]))


if __name__ == "__main__":
    main()
