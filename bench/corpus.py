"""The pinned corpus: old releases of real asyncio projects, as sdists from the package index.

Each release is pinned by version and sha256 and downloaded once with pip (``--require-hashes``)
into a cache outside the repository, then unpacked there once. Tests and benchmarks share it,
so one run never downloads a release twice.

    python bench/corpus.py                 # fetch and unpack every release; print where they are
    python bench/corpus.py NAME==VERSION   # just these

The cache is ``$ASYNCIO_UPGRADE_CORPUS``, else ``$XDG_CACHE_HOME/asyncio-upgrade/corpus``, else
``~/.cache/asyncio-upgrade/corpus``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List


@dataclass(frozen=True)
class Release:
    name: str
    version: str
    sha256: str

    @property
    def spec(self) -> str:
        return f"{self.name}=={self.version}"


# Dense in the legacy patterns: loop=, @asyncio.coroutine, yield from, with (yield from lock),
# run_until_complete in tests, get_event_loop, ensure_future, asynctest.
RELEASES: Dict[str, Release] = {
    r.spec: r
    for r in [
        Release("aiohttp", "0.22.5", ""),
        Release("aiohttp", "2.3.10", "8adda6583ba438a4c70693374e10b60168663ffa6564c5c75d3c7a9055290964"),
        Release("aiohttp", "3.8.6", "b0cf2a4501bff9330a8a5248b4ce951851e415bdcce9dc158e76cfd55e15085c"),
        Release("aioamqp", "0.14.0", "eef5c23a7fedee079d8326406f5c7a5725dfe36c359373da3499fffa16f79915"),
        Release("aiobotocore", "0.10.0", "f31cf336dc86fec084085ca3b55d36b6ee130bea1a8fa261ccd59cd842aafc3d"),
        Release("aiocache", "0.11.1", "f2ebe0b05cec45782e7b5ea0bb74640f157dd4bb1028b4565364dda9fe33be7f"),
        Release("aiodns", "2.0.0", "815fdef4607474295d68da46978a54481dd1e7be153c7d60f9e72773cd38d77d"),
        Release("aiodocker", "0.14.0", "3ad3983747d019c1b8625c688ec78665f7232095e551338fe8ebd7ee21ba8bca"),
        Release("aiofiles", "0.4.0", "021ea0ba314a86027c166ecc4b4c07f2d40fc0f4b3a950d1868a0f2571c2bbee"),
        Release("aiohttp-jinja2", "1.1.0", "aef9b6595f962182ad00c990095fb51d731c280e1d183e2b28cf0bdb5a942d0c"),
        Release("aiohttp-session", "2.9.0", "959413468b84e30e7ca09719617cfb0000066a2e0f6c20062d043433e82aeb74"),
        Release("aiokafka", "0.5.2", "b11e2284b09cdc59f78b830b5b0344707a673d36a7eb3b7824e537773df30ab4"),
        Release("aiolimiter", "1.3.0", "7343008c2228e89def7d4ce29ab98ee98822bf5db69018c09c90088929f7c104"),
        Release("aiomcache", "0.6.0", "b38062efca87f2e6ac3b406bd816ca790900b03fef1c5c38fa61c18212c38825"),
        Release("aiomysql", "0.0.22", "9bcf8f26d22e550f75cabd635fa19a55c45f835eea008275960cb37acadd622a"),
        Release("aiopg", "1.0.0", "32da3c9c73c248c715883fbb0876d66015d9fb6b4946058eb9fd40e86cfff9b4"),
        Release("aioredis", "0.3.5", "4aae2234131ac29539f0f780dccecc5a3ffcf499bcf48176debee7de7816eae2"),
        Release("aioredis", "1.3.1", "15f8af30b044c771aee6787e5ec24694c048184c7b9e54c3b60c750a4b93273a"),
        Release("aiorwlock", "0.6.0", "cd310f33a7ea3bf6fd76fcf0c1ba6e4d7eef4d5ded59e95859494425fb7e599d"),
        Release("aiosqlite", "0.10.0", "ad84fbd7516ca7065d799504fc41d6845c938e5306d1b7dd960caaeda12e22a9"),
        Release("aiosmtplib", "1.0.6", "1c07ae16b400a73e66325ce2adb258447da444c524a3c3aeb229f5a23f41417f"),
        Release("aiostream", "0.6.4", "f99bc6b1b9cea3e70885dc235a233523597555fe4a585ed21d65264b3f1ff3d2"),
        Release("aiozmq", "0.9.0", "9d7315bb77e2655fc3a5051ea22e79527d62c42e51b2420c4f6f3dcebae65230"),
        Release("async-timeout", "3.0.1", "0c3c816a028d47f659d6ff5c745cb2acf1f966da1fe5c19c77a70282b25f4c5f"),
        Release("asyncssh", "1.16.1", "b9e4612daed054725d658726dda7dfdd9f9deb711102e874d197c326bc0a2a62"),
        Release("asyncstdlib", "3.10.9", "c5de1bf1c60de1203a9b135058dcfea7de2507d321e56279baca0905cd8628cd"),
        Release("flake8-async", "26.8.1", "c2d9e7b318169a85d821c8b2e661959481e59db1551626b7471c6e4627c99d9b"),
        Release("janus", "0.3.2", "a90e86b4ac848d0608700713ed671bf8d9adc6f9ecbcabfab0f5cd95b869e274"),
        Release("janus", "0.4.0", "cfc221683160b91b35bae1917e2957b78dad10a2e634f4f8ed119ed72e2a88ef"),
        Release("motor", "2.0.0", "d035c09ab422bc50bf3efb134f7405694cae76268545bd21e14fb22e2638f84e"),
        Release("pyee", "9.0.4", "2770c4928abc721f46b705e6a72b0c59480c4a69c9a83ca0b00bb994f1ea4b32"),
        Release("Telethon", "1.10.10", "126b392db57b83526e18779b7c6f4011789c2dd02377f64004afd0e0ce29a37e"),
        Release("websockets", "7.0", "08e3c3e0535befa4f0c4443824496c03ecc25062debbcf895874f8a0b4c97c9f"),
        # Test suites that drive a loop by hand in unittest, or use asynctest (AIO7xx).
        Release("hbmqtt", "0.9.6", "6764d3c7cf6d056238c04709c23dbb72e2b0227495efd871c2f1da10a4472cd9"),
        Release("python-engineio", "3.10.0", "9c9a6035b4b5e5a225f426f846afa14cf627f7571d1ae02167cb703fefd134b7"),
        Release("aioresponses", "0.6.1", "fab9607d11a2e05050ef766006b8fdd9424e7122c2bd6f34a5376be4c728e242"),
        Release("pyatv", "0.3.13", "8fc1a903a9d666e4109127410d35a83458559a86bc0de3fe1ffb3f15d2d653b3"),
        Release("tenacity", "8.2.3", "5398ef0d78e63f40007c1fb4c0bff96e1911394d2fa8d194f77619c05ff6cc8a"),
        Release("pyatv", "0.4.0", "85dad4156d8f2f863ab8bf02770b02b48fb7bb9cf0de2cff54570c5940f4fc42"),
        Release("pymodbus", "2.5.3", "5ef68c1a109bdb467c830ef003ef2db6494349a5248e4af946fe21c9eefe7e74"),
    ]
    if r.sha256
}


class CorpusError(RuntimeError):
    pass


def cache_dir() -> Path:
    configured = os.environ.get("ASYNCIO_UPGRADE_CORPUS")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "asyncio-upgrade" / "corpus"


def release(spec: str) -> Release:
    try:
        return RELEASES[spec]
    except KeyError:
        raise CorpusError(f"{spec} is not pinned in bench/corpus.py") from None


def archive(spec: str) -> Path:
    """The sdist of ``spec`` in the cache, downloaded (and its hash checked) on first use."""
    pinned = release(spec)
    folder = cache_dir() / "sdists"
    for path in folder.glob(f"*-{pinned.version}.*") if folder.exists() else ():
        if _sha256(path) == pinned.sha256:
            return path
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        requirements = Path(scratch) / "requirements.txt"
        requirements.write_text(f"{pinned.spec} --hash=sha256:{pinned.sha256}\n")
        # Only the release itself as an sdist: its build tools (needed for its metadata) may come
        # as wheels; `--no-binary :all:` would build them from source too, which fails for poetry.
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", pinned.name,
             "--require-hashes", "-r", str(requirements), "-d", scratch],
            capture_output=True, text=True,
        )
        downloaded = [p for p in Path(scratch).iterdir() if p != requirements]
        if done.returncode != 0 or len(downloaded) != 1:
            # pip reads an sdist's metadata before it keeps it; some old setup.py files import
            # their dependencies to do that (pymodbus 2.5.3 needs six) and fail in a clean
            # environment. The file itself is all we want: ask the index for it by its hash.
            downloaded = [_download_from_index(pinned, Path(scratch), done.stderr)]
        target = folder / downloaded[0].name
        os.replace(downloaded[0], target)  # atomic: a parallel test may fetch the same release
    return target


def _download_from_index(pinned: Release, folder: Path, pip_said: str) -> Path:
    """The sdist whose sha256 is pinned, fetched from PyPI's simple index (JSON form)."""
    import json
    import urllib.request

    def failed(why: str) -> CorpusError:
        return CorpusError(f"could not download {pinned.spec}: {why}; pip said: {pip_said.strip()[-300:]}")

    index = urllib.request.Request(f"https://pypi.org/simple/{pinned.name}/",
                                   headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    try:
        with urllib.request.urlopen(index, timeout=60) as answer:
            files = json.load(answer)["files"]
        wanted = next((f for f in files if f.get("hashes", {}).get("sha256") == pinned.sha256), None)
        if wanted is None:
            raise failed("no file with the pinned sha256 on the index")
        target = folder / Path(wanted["filename"]).name
        with urllib.request.urlopen(wanted["url"], timeout=120) as answer:
            target.write_bytes(answer.read())
    except OSError as error:
        raise failed(str(error)) from None
    if _sha256(target) != pinned.sha256:
        raise failed("the file's sha256 is not the pinned one")
    return target


def unpacked(spec: str) -> Path:
    """The unpacked source tree of ``spec`` (the folder holding its setup.py), unpacked once."""
    pinned = release(spec)
    target = cache_dir() / "unpacked" / f"{pinned.name}-{pinned.version}"
    if not target.exists():
        source = archive(spec)
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=target.parent))
        try:
            if source.suffix == ".zip":
                zipfile.ZipFile(source).extractall(scratch)
            else:
                with tarfile.open(source) as tar:
                    tar.extractall(scratch, filter="data")
            (root,) = scratch.iterdir()
            try:
                os.rename(root, target)
            except OSError:
                if not target.exists():
                    raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return target


def python_files(spec: str) -> List[Path]:
    return sorted(unpacked(spec).rglob("*.py"))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: List[str]) -> int:
    specs = argv or sorted(RELEASES)
    for spec in specs:
        try:
            root = unpacked(spec)
        except CorpusError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"{spec}: {len(python_files(spec))} .py files in {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
