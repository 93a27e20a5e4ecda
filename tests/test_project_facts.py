"""Project facts: what other modules of the project say about the names a file imports, read
with ast, handed to the engine per file, and part of the file's cache key."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from asyncio_upgrade.cli.app import app
from asyncio_upgrade.cli.project_facts import ProjectFactsFinder
from asyncio_upgrade.codemods.facts import (
    ASYNC, COROUTINE, DECORATED, GENERATOR, MARKS_COROUTINES, PLAIN, RETURNS_AWAITABLE, ProjectFacts, module_facts,
)

runner = CliRunner()

DB = b'''import asyncio


@asyncio.coroutine
def execute(query):
    yield from asyncio.sleep(0)
    return query


async def fetch(query):
    return query


def rows():
    yield 1


class Conn:
    @asyncio.coroutine
    def close(self):
        yield from asyncio.sleep(0)
'''
INIT = b"from .db import execute as run_query, rows\n"
APP = b'''import asyncio

from .db import execute, fetch, rows
from . import db
from pkg import run_query


@asyncio.coroutine
def work():
    yield from execute("a")
    yield from fetch("b")
    yield from db.execute("c")
    yield from run_query("d")
'''
GENERATOR_USER = b'''import asyncio

from .db import rows


@asyncio.coroutine
def work():
    yield from rows()
'''


def layout(root: Path, files: dict) -> Path:
    (root / "pyproject.toml").parent.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text('[project]\nname = "pkg"\nrequires-python = ">=3.11"\n')
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def test_module_facts_name_each_function_once() -> None:
    facts = module_facts(DB.decode(), "pkg.db")
    assert dict(facts.functions) == {"execute": COROUTINE, "fetch": ASYNC, "rows": GENERATOR, "Conn.close": COROUTINE}
    twice = module_facts("def f():\n    pass\n\n\nasync def f():\n    pass\n", "m")
    assert dict(twice.functions) == {}
    assert dict(module_facts("def g():\n    return 1\n", "m").functions) == {"g": PLAIN}
    assert module_facts("def (:\n", "m") is None


RETURNING = '''import asyncio
from asyncio import shield as protect


async def fetch():
    return 1


def soon(fut, timeout=None):
    if timeout is None:
        return protect(fut)
    return asyncio.wait_for(fut, timeout)


def maybe(fut):
    if fut:
        return fetch()


def shadowed(asyncio):
    return asyncio.sleep(0)


class Conn:
    async def _send(self):
        pass

    def send(self):
        return self._send()

    @staticmethod
    def other(self):
        return self._send()
'''


def test_plain_functions_that_return_an_awaitable_on_every_path() -> None:
    kinds = dict(module_facts(RETURNING, "pkg.conn").functions)
    assert kinds["soon"] == kinds["Conn.send"] == RETURNS_AWAITABLE
    assert kinds["maybe"] == PLAIN  # falls off the end: None
    assert kinds["shadowed"] == PLAIN  # a parameter named asyncio
    assert kinds["Conn.other"] == PLAIN  # a staticmethod's first parameter is no instance


MARKERS = '''import asyncio
import functools


def asynctest(func):
    @functools.wraps(func)
    def wrapper(self, *args):
        return self.loop.run_until_complete(asyncio.coroutine(func)(self, *args))
    return wrapper


def as_is(func):
    @functools.wraps(func)
    def wrapper(self, *args):
        return self.loop.run_until_complete(func(self, *args))
    return wrapper


def registered(func):
    REGISTRY.append(func)
    return asyncio.coroutine(func)
'''


WRAPPERS = '''import asyncio
import functools


def connected(func):
    @asyncio.coroutine
    @functools.wraps(func)
    def wrapper(self, *args):
        return (yield from func(self, *args))
    return wrapper


def logged(func):
    def wrapper(self, *args):
        return func(self, *args)
    return wrapper


class Client:
    @connected
    def publish(self):
        pass

    @logged
    def other(self):
        pass
'''


def test_a_function_under_a_decorator_that_returns_its_own_coroutine_function_is_a_coroutine() -> None:
    kinds = dict(module_facts(WRAPPERS, "pkg.client").functions)
    assert kinds["Client.publish"] == COROUTINE
    assert kinds["Client.other"] == DECORATED


def test_a_decorator_that_hands_its_function_only_to_asyncio_coroutine_marks_coroutines() -> None:
    kinds = dict(module_facts(MARKERS, "tests.util").functions)
    assert kinds == {"asynctest": MARKS_COROUTINES, "as_is": PLAIN, "registered": PLAIN}


def test_a_call_returned_by_a_decorated_function_without_yield_is_run() -> None:
    source = (
        "import asyncio\nfrom .db import execute, fetch\n\n\n@asyncio.coroutine\ndef awaited():\n"
        "    return execute('a')\n\n\ndef plain():\n    return fetch('b')\n"
    )
    assert module_facts(source, "pkg.app").calls == (("pkg.db.fetch", "bare"),)


def test_relative_imports_and_reexports_resolve() -> None:
    facts = ProjectFacts.of(
        {"pkg.db": module_facts(DB.decode(), "pkg.db"), "pkg": module_facts(INIT.decode(), "pkg", is_package=True)},
        "pkg.app",
    )
    assert facts.absolute(".db.execute") == "pkg.db.execute"
    assert facts.absolute("..x") is None
    assert facts.kind_of("pkg.db.execute") == COROUTINE
    assert facts.kind_of("pkg.run_query") == COROUTINE
    assert facts.kind_of("pkg.rows") == GENERATOR
    assert facts.kind_of("pkg.db.Conn.close") == COROUTINE
    assert facts.kind_of("pkg.db.missing") is None and facts.kind_of("other.f") is None


def test_a_coroutine_of_another_module_is_awaited_by_the_safe_fix(tmp_path: Path) -> None:
    root = layout(tmp_path, {"pkg/__init__.py": INIT, "pkg/db.py": DB, "pkg/app.py": APP})
    single = runner.invoke(app, ["fix", "--no-cache", "--select", "AIO402", str(root / "pkg" / "app.py")])
    assert single.exit_code == 1, single.output
    fixed = (root / "pkg" / "app.py").read_bytes()
    assert b"async def work():" in fixed
    for call in (b'await execute("a")', b'await fetch("b")', b'await db.execute("c")', b'await run_query("d")'):
        assert call in fixed


def test_without_the_project_the_same_file_is_only_an_unsafe_fix(tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "app.py").write_bytes(APP)
    result = runner.invoke(app, ["check", "--no-cache", "--isolated", "--target-version", "py311", str(loose / "app.py")])
    assert "[* unsafe]" in result.stdout


def test_a_generator_of_another_module_keeps_the_site_report_only(tmp_path: Path) -> None:
    root = layout(tmp_path, {"pkg/__init__.py": b"", "pkg/db.py": DB, "pkg/user.py": GENERATOR_USER})
    result = runner.invoke(app, ["check", "--no-cache", str(root / "pkg" / "user.py")])
    assert "delegates to a plain generator" in result.stdout


def test_a_file_is_handed_only_the_facts_of_what_it_imports(tmp_path: Path) -> None:
    root = layout(tmp_path, {"pkg/__init__.py": INIT, "pkg/db.py": DB, "pkg/app.py": APP, "pkg/other.py": b"x = 1\n"})
    finder = ProjectFactsFinder()
    facts = finder.for_file(root / "pkg" / "app.py")
    assert {name for name, _ in facts.modules} == {"pkg", "pkg.db"}
    assert finder.for_file(root / "pkg" / "other.py") is None  # it asks for nothing


def test_editing_a_module_rechecks_its_importers_and_no_others(tmp_path: Path) -> None:
    root = layout(tmp_path, {"pkg/__init__.py": b"", "pkg/db.py": DB, "pkg/app.py": GENERATOR_USER,
                             "pkg/solo.py": b"import asyncio\n\n\n@asyncio.coroutine\ndef f():\n    yield from asyncio.sleep(0)\n"})
    cache = tmp_path / "cache"
    args = ["check", "-v", "--cache-dir", str(cache), str(root)]
    runner.invoke(app, args)
    # the empty __init__.py too: the cache keeps the contents the text step settled
    assert "4 files; 4 answered from the cache" in runner.invoke(app, args).stderr
    (root / "pkg" / "db.py").write_bytes(DB.replace(b"def rows():\n    yield 1", b"async def rows():\n    pass"))
    again = runner.invoke(app, args)
    # db.py itself and app.py (which imports it) are checked again; solo.py is not
    assert "4 files; 2 answered from the cache" in again.stderr
    assert "delegates to a plain generator" not in again.stdout


def test_a_second_run_over_an_unchanged_tree_parses_nothing(tmp_path: Path, monkeypatch) -> None:
    """Neither a module's facts (ast) nor a file (libcst) is parsed again: results and facts
    both come from the cache, keyed by content."""
    import ast

    root = layout(tmp_path, {"pkg/__init__.py": INIT, "pkg/db.py": DB, "pkg/app.py": APP, "pkg/user.py": GENERATOR_USER})
    args = ["check", "-v", "--cache-dir", str(tmp_path / "cache"), str(root)]
    first = runner.invoke(app, args)
    assert "4 files; 0 answered from the cache" in first.stderr, first.stderr

    def forbidden(*_args, **_kwargs):
        raise AssertionError("parsed on a warm run")

    monkeypatch.setattr("asyncio_upgrade.codemods.engine.parse_module", forbidden)
    monkeypatch.setattr(ast, "parse", forbidden)
    second = runner.invoke(app, args)
    assert second.exit_code == first.exit_code and second.stdout == first.stdout
    assert "4 files; 4 answered from the cache" in second.stderr, second.stderr


HIERARCHY = '''import asyncio
from abc import ABC
from .base import Base, Opaque


class Middle(Base):
    pass


class Leaf(Middle, Exception):
    def plain(self):
        return 1


class Awaitable(Leaf):
    def __await__(self):
        yield


class Mixed(Opaque):
    pass


class Loose(Unknown):
    pass


class Diamond(Middle, Base):
    pass


class Broken(Base, Middle):
    pass
'''
BASE = '''import asyncio


class Base:
    @asyncio.coroutine
    def fetch(self):
        yield from asyncio.sleep(0)

    def rows(self):
        yield 1

    @property
    def size(self):
        return 1


class Opaque(metaclass=type):
    pass
'''


def test_methods_are_found_along_the_bases_as_python_finds_them() -> None:
    facts = ProjectFacts.of({
        "pkg.leaf": module_facts(HIERARCHY, "pkg.leaf"),
        "pkg.base": module_facts(BASE, "pkg.base"),
    }, "pkg.leaf")
    assert [name for name, _ in facts.mro("pkg.leaf.Leaf")] == [
        "pkg.leaf.Leaf", "pkg.leaf.Middle", "pkg.base.Base", "builtins.Exception",
    ]
    assert facts.method_kind("pkg.leaf.Leaf", "fetch") == COROUTINE
    assert facts.kind_of("pkg.leaf.Leaf.rows") == GENERATOR
    assert facts.method_kind("pkg.leaf.Leaf", "plain") == PLAIN
    assert facts.method_kind("pkg.leaf.Leaf", "size") == DECORATED  # a property: not a function to call
    assert facts.method_kind("pkg.leaf.Leaf", "missing") is None
    assert facts.method_kind("pkg.leaf.Diamond", "fetch") == COROUTINE
    assert facts.mro("pkg.leaf.Broken") is None  # no consistent order: Python refuses the class
    assert facts.mro("pkg.leaf.Mixed") is None  # a metaclass somewhere above: nothing is known
    assert facts.method_kind("pkg.leaf.Loose", "fetch") is None  # an unknown base comes first
    assert facts.method_kind("pkg.leaf.Leaf", "plain", above=True) is None  # `super().plain` in Leaf: no base has it
    assert facts.method_kind("pkg.leaf.Leaf", "fetch", above=True) == COROUTINE
    assert facts.method_kind("pkg.base.Base", "fetch", above=True) is None  # only `object` is above Base


def test_instances_are_inert_only_when_no_class_of_theirs_can_be_awaited() -> None:
    facts = ProjectFacts.of({
        "pkg.leaf": module_facts(HIERARCHY, "pkg.leaf"),
        "pkg.base": module_facts(BASE, "pkg.base"),
    }, "pkg.leaf")
    assert facts.instances_awaitable("pkg.leaf.Leaf") is False
    assert facts.instances_awaitable("pkg.leaf.Awaitable") is True
    assert facts.instances_awaitable("pkg.leaf.Loose") is None
    assert facts.instances_awaitable("pkg.leaf.Mixed") is None


def test_names_are_found_through_star_imports_as_all_lists_them() -> None:
    facts = ProjectFacts.of({
        "pkg.web": module_facts("from .responses import *\n", "pkg.web"),
        "pkg.responses": module_facts(
            "__all__ = ('Response',)\n\nclass Response:\n    pass\n\nclass Hidden:\n    pass\n", "pkg.responses"
        ),
    }, "pkg.app")
    assert facts.is_class("pkg.web.Response")
    assert not facts.is_class("pkg.web.Hidden")
    assert facts.instances_awaitable("pkg.web.Response") is False


LOCK = b'''import asyncio


@asyncio.coroutine
def noop():
    pass


@asyncio.coroutine
def wait():
    yield from asyncio.sleep(0)
'''
RELEASER = b'''import asyncio

from .lock import noop, wait


def release():
    return noop()  # called plainly: the generator did nothing, a coroutine would warn


@asyncio.coroutine
def main():
    yield from wait()
'''


def test_a_caller_in_another_module_that_does_not_await_keeps_the_site_report_only(tmp_path: Path) -> None:
    root = layout(tmp_path, {"pkg/__init__.py": b"", "pkg/lock.py": LOCK, "pkg/releaser.py": RELEASER})
    result = runner.invoke(app, ["check", "--no-cache", str(root / "pkg" / "lock.py")])
    lines = result.stdout.splitlines()
    assert any(":5:1: AIO402" in line and "a caller neither awaits nor schedules it" in line for line in lines), lines
    assert any(":10:1: AIO402" in line and line.endswith("[*]") for line in lines), lines  # `wait` is awaited there
    finder = ProjectFactsFinder()
    assert finder.for_file(root / "pkg" / "lock.py").callers == (("pkg.lock.noop", "bare"),)


def test_cached_facts_are_the_facts(tmp_path: Path) -> None:
    """Every field survives the facts cache (a field it forgot would differ warm and cold)."""
    from asyncio_upgrade.cli.facts_cache import FactsCache

    source = HIERARCHY + '\n\n__all__ = ["Leaf"]\nfrom .base import *\n\n\ndef make():\n    return Leaf()\n\n\nrelease = noop()\n'
    source = source.replace("import asyncio\n", "import asyncio\nfrom .lock import noop\n", 1)
    facts = module_facts(source, "pkg.leaf")
    assert facts.classes and facts.imports and facts.star_imports and facts.exports and facts.calls and facts.returns
    cache = FactsCache(tmp_path, "fingerprint")
    cache.put(source.encode(), "pkg.leaf", False, facts)
    assert cache.get(source.encode(), "pkg.leaf", False) == facts


def test_a_project_is_looked_over_once_per_run_not_once_per_file(tmp_path: Path, monkeypatch) -> None:
    """Every module of a project importing every other: the files are found and the calls
    between modules tallied once, however many files ask (it was once per file: a run over a
    project of n modules did n² file lookups)."""
    from asyncio_upgrade.cli import project_facts

    count = 12
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'mesh'\n")
    package = tmp_path / "mesh"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for index in range(count):
        imports = "".join(f"from .m{other} import run{other}\n" for other in range(count) if other != index)
        body = "import asyncio\n\n\n@asyncio.coroutine\ndef run{0}():\n    yield from asyncio.sleep(0)\n"
        (package / f"m{index}.py").write_text(imports + body.format(index))
    looked_up, tallied = [], []
    monkeypatch.setattr(project_facts, "_file_of", _counting(project_facts._file_of, looked_up))
    finder = ProjectFactsFinder()
    monkeypatch.setattr(finder, "_index", _counting(finder._index, tallied))
    for index in range(count):
        facts = finder.for_file(package / f"m{index}.py")
        assert facts is not None and len(facts.modules) == count - 1
    assert len(looked_up) == len(set(looked_up)) <= 3 * count  # each module (or name in one) once
    assert len(tallied) == 1


def _counting(function, calls: list):
    def counted(*args):
        calls.append(args)
        return function(*args)

    return counted
