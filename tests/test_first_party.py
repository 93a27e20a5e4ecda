"""A project's own module named like a package a rule matches is first-party: found from the
project's layout and metadata, for batches and single files alike."""

from __future__ import annotations

from pathlib import Path

from asyncio_upgrade.cli.first_party import first_party

RELEVANT = frozenset({"async_timeout", "requests", "time", "asyncio"})


def write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_package_at_the_project_top_is_first_party(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "something-else"\n')
    write(tmp_path / "async_timeout" / "__init__.py")
    test_file = write(tmp_path / "tests" / "test_timeout.py")
    assert first_party(test_file, RELEVANT) == {"async_timeout"}


def test_src_layout_and_single_modules(tmp_path: Path) -> None:
    write(tmp_path / "setup.cfg", "[metadata]\nname = proj\n")
    write(tmp_path / "src" / "requests" / "__init__.py")
    write(tmp_path / "time.py")
    assert first_party(write(tmp_path / "app.py"), RELEVANT) == {"requests", "time"}


def test_the_distribution_name_counts_even_before_its_package_exists(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "async-timeout"\n')
    assert first_party(write(tmp_path / "example.py"), RELEVANT) == {"async_timeout"}
    other = tmp_path / "other"
    write(other / "setup.py", "from setuptools import setup\nsetup(name='async_timeout', version='1')\n")
    assert first_party(write(other / "x.py"), RELEVANT) == {"async_timeout"}


def test_only_relevant_names_are_kept(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml")
    write(tmp_path / "mylib" / "__init__.py")
    assert first_party(write(tmp_path / "mylib" / "core.py"), RELEVANT) == frozenset()


def test_a_file_in_no_project_counts_its_package_and_its_neighbours(tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    write(loose / "async_timeout" / "__init__.py")
    inner = write(loose / "async_timeout" / "sub" / "__init__.py")
    assert first_party(inner, RELEVANT) == {"async_timeout"}
    assert first_party(write(loose / "script.py"), RELEVANT) == {"async_timeout"}
    assert first_party(write(tmp_path / "elsewhere" / "script.py"), RELEVANT) == frozenset()


def test_a_third_party_install_is_not_first_party(tmp_path: Path) -> None:
    """Installed packages live outside the project: a project that only imports async_timeout."""
    write(tmp_path / "pyproject.toml", '[project]\nname = "app"\n')
    write(tmp_path / "app" / "__init__.py", "import async_timeout\n")
    assert first_party(tmp_path / "app" / "__init__.py", RELEVANT) == frozenset()
