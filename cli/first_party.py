"""Which top-level modules belong to the project a file is in.

Hazard: a project may ship its own module named like a package a rule matches (a library that
*is* ``async_timeout``, a ``requests.py`` helper). Rewriting calls to it as if they were the
third-party API changes the project's own behaviour, so those names are handed to the engine
as first-party (``Settings.first_party``), and rules leave them alone.

The project is the nearest folder above the file that holds ``pyproject.toml``, ``setup.py``
or ``setup.cfg``; its first-party names are the modules and packages at its top and under
``src/``, plus the distribution's own name. A file in no project counts the package it sits in
(the top of its ``__init__.py`` chain) and the modules beside it.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import FrozenSet, Iterable, List, Optional, Set

from .files import resolved

_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SETUP_NAME = re.compile(r"""\bname\s*=\s*["']([A-Za-z0-9_.\-]+)["']""")
_CFG_NAME = re.compile(r"^\s*name\s*=\s*([A-Za-z0-9_.\-]+)\s*$", re.M)


def first_party(path: Path, relevant: FrozenSet[str]) -> FrozenSet[str]:
    """The first-party top-level names of the project ``path`` is in, among ``relevant`` (the
    packages the rules match: only those can change an answer, and a short set keeps cache
    keys stable)."""
    if not relevant:
        return frozenset()
    return _names_for_folder(resolved(path).parent) & relevant


@lru_cache(maxsize=None)
def _names_for_folder(folder: Path) -> FrozenSet[str]:
    root = project_root(folder)
    if root is not None:
        return frozenset(_modules_in(root) | _modules_in(root / "src") | _distribution_names(root))
    top = folder
    while (top / "__init__.py").is_file() and top.parent != top:
        top = top.parent
    names = _modules_in(folder)
    if top != folder:
        names |= _modules_in(top)
    return frozenset(names)


@lru_cache(maxsize=None)
def project_root(folder: Path) -> Optional[Path]:
    """The nearest folder from ``folder`` up that holds pyproject.toml, setup.py or setup.cfg."""
    if any((folder / marker).is_file() for marker in _MARKERS):
        return folder
    return None if folder.parent == folder else project_root(folder.parent)


@lru_cache(maxsize=None)
def _modules_in(folder: Path) -> FrozenSet[str]:
    """Importable top-level names in ``folder``: ``x.py``, ``x.pyi``, and packages ``x/``
    (with an ``__init__.py``, or namespace packages holding Python files). Read once per
    folder: every subpackage of a tree without project metadata asks for its top."""
    names: Set[str] = set()
    for entry in _entries(folder):
        name = entry.name
        if name.endswith((".py", ".pyi")) and entry.is_file():
            name = name.rpartition(".")[0]
        elif not (entry.is_dir() and _is_package(Path(entry.path))):
            continue
        if _IDENTIFIER.match(name):
            names.add(name)
    return frozenset(names)


def _is_package(folder: Path) -> bool:
    if (folder / "__init__.py").is_file():
        return True
    return any(entry.name.endswith(".py") for entry in _entries(folder))


def _entries(folder: Path) -> List[os.DirEntry]:
    """The folder's entries, whose file types come with the listing (no stat per entry)."""
    try:
        with os.scandir(folder) as listing:
            return list(listing)
    except OSError:
        return []


def _distribution_names(root: Path) -> Set[str]:
    """The project's own name (``async-timeout`` -> ``async_timeout``) from its metadata."""
    found: Iterable[str] = ()
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        found = [*found, *_pyproject_name(pyproject)]
    for name, pattern in (("setup.cfg", _CFG_NAME), ("setup.py", _SETUP_NAME)):
        path = root / name
        if path.is_file():
            try:
                match = pattern.search(path.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                match = None
            if match:
                found = [*found, match.group(1)]
    return {_importable(name) for name in found if _IDENTIFIER.match(_importable(name))}


def _pyproject_name(path: Path) -> Iterable[str]:
    from .config import read_toml

    try:
        data = read_toml(path)
    except (OSError, ValueError):
        return ()
    project = data.get("project")
    name = project.get("name") if isinstance(project, dict) else None
    return (name,) if isinstance(name, str) else ()


def _importable(distribution: str) -> str:
    return re.sub(r"[-.]+", "_", distribution)
