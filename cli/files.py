"""Which files a run looks at: explicit paths as given, directories walked for .py files,
honouring .gitignore and skipping VCS, virtual-environment and build folders."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, List, Optional, Sequence, Tuple

if TYPE_CHECKING:
    import pathspec

SKIPPED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".bzr", ".tox", ".nox", ".venv", "venv", ".eggs", "build", "dist",
        "site-packages", "__pycache__", "node_modules", ".mypy_cache", ".pytest_cache",
        ".ruff_cache", ".asyncio_upgrade_cache", "_build", "buck-out", "__pypackages__",
    }
)


def gitignore_spec(lines: Iterable[str]) -> pathspec.PathSpec:
    """Patterns with .gitignore's meaning. pathspec is imported here, not at start-up: a run
    over a few named files has no patterns to compile."""
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


@dataclass(frozen=True)
class Source:
    """A file to process, or a problem with a path the user gave."""

    path: Path
    problem: Optional[str] = None


def discover(paths: Sequence[str], exclude: Optional[pathspec.PathSpec] = None, root: Optional[Path] = None) -> Iterator[Source]:
    """Files to process, in a stable order. ``exclude`` globs are relative to ``root``."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from _walk(path, exclude, root)
        elif path.is_file():
            yield Source(path)
        elif path.exists() or path.is_symlink():
            yield Source(path, "not a regular file; skipped")
        else:
            yield Source(path, "no such file or directory")


def _walk(top: Path, exclude: Optional[pathspec.PathSpec], root: Optional[Path]) -> Iterator[Source]:
    ignores = _inherited_gitignores(top)
    # A folder named on the command line is processed even if it is excluded or ignored
    # (the standard library under a pyenv checkout, a venv's site-packages): the ignore
    # files inside it still apply.
    if _ignored(top, True, ignores):
        ignores = []
    if _excluded(top, True, exclude, root):
        exclude = None
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        here = Path(dirpath)
        spec = _gitignore(here)
        if spec is not None:
            ignores = [*(i for i in ignores if _is_ancestor(i[0], here)), (here, spec)]
        else:
            ignores = [i for i in ignores if _is_ancestor(i[0], here)]

        kept = []
        for name in sorted(dirnames):
            child = here / name
            if name in SKIPPED_DIRS or child.is_symlink() or (child / "pyvenv.cfg").exists():
                continue
            if _ignored(child, True, ignores) or _excluded(child, True, exclude, root):
                continue
            kept.append(name)
        dirnames[:] = kept

        for name in sorted(filenames):
            child = here / name
            if not name.endswith((".py", ".pyi")) or child.is_symlink():
                continue
            if _ignored(child, False, ignores) or _excluded(child, False, exclude, root):
                continue
            if child.is_file():
                yield Source(child)


Ignores = List[Tuple[Path, "pathspec.PathSpec"]]


def _gitignore(folder: Path) -> Optional[pathspec.PathSpec]:
    try:
        lines = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return gitignore_spec(lines)


def resolved(path: Path) -> Path:
    """``path.resolve()``, resolving each folder once per run: resolving makes a system call per
    component of the path, and a run asks for every file's path several times."""
    if path.name in ("", ".", "..") or path.is_symlink():
        return path.resolve()
    return _resolved_folder(path.parent) / path.name


@lru_cache(maxsize=None)
def _resolved_folder(folder: Path) -> Path:
    return folder.resolve()


def _inherited_gitignores(top: Path) -> Ignores:
    """.gitignore files of the folders above ``top``, up to the repository root."""
    found: Ignores = []
    folder = top.resolve().parent
    for parent in [folder, *folder.parents]:
        spec = _gitignore(parent)
        if spec is not None:
            found.append((parent, spec))
        if (parent / ".git").exists():
            break
    else:
        return []  # not in a repository: ignore files above the walk do not apply
    return list(reversed(found))


def _is_ancestor(folder: Path, path: Path) -> bool:
    return relative_posix(path, folder) is not None


def relative_posix(path: Path, base: Path) -> Optional[str]:
    """``path`` relative to ``base``, both resolved, with forward slashes; None when ``path``
    is not under ``base``."""
    try:
        return resolved(path).relative_to(resolved(base)).as_posix()
    except ValueError:
        return None


def _ignored(path: Path, is_dir: bool, ignores: Ignores) -> bool:
    for base, spec in ignores:
        relative = relative_posix(path, base)
        if relative is not None and spec.match_file(relative + ("/" if is_dir else "")):
            return True
    return False


def _excluded(path: Path, is_dir: bool, exclude: Optional[pathspec.PathSpec], root: Optional[Path]) -> bool:
    if exclude is None:
        return False
    relative = relative_posix(path, root or Path.cwd()) or path.as_posix()
    return exclude.match_file(relative + ("/" if is_dir else ""))
