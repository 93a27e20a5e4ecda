"""Settings from `[tool.asyncio-upgrade]` and `requires-python` in the nearest pyproject.toml."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from asyncio_upgrade.codemods.api import NEWEST_TARGET, OLDEST_TARGET, Version, format_version, parse_version


class ConfigError(Exception):
    """A one-line, user-facing problem with the configuration."""


@dataclass
class Config:
    path: Optional[Path] = None  # the pyproject.toml read, if any
    target_version: Optional[Version] = None
    target_source: str = ""  # where the target came from, for messages
    select: Optional[List[str]] = None
    ignore: List[str] = field(default_factory=list)
    unsafe_fixes: Optional[bool] = None
    exclude: List[str] = field(default_factory=list)
    extend_exclude: List[str] = field(default_factory=list)
    per_file_ignores: Dict[str, List[str]] = field(default_factory=dict)
    black: Dict[str, Any] = field(default_factory=dict)  # [tool.black], keys with underscores
    extend_safe_fixes: List[str] = field(default_factory=list)
    extend_unsafe_fixes: List[str] = field(default_factory=list)

    @property
    def root(self) -> Path:
        return self.path.parent if self.path else Path.cwd()


_KEYS = {
    "target-version", "select", "ignore", "unsafe-fixes", "exclude", "extend-exclude", "per-file-ignores",
    "extend-safe-fixes", "extend-unsafe-fixes",
}


def find_pyproject(start: Path) -> Optional[Path]:
    folder = start.resolve()
    if not folder.is_dir():
        folder = folder.parent
    for candidate in [folder, *folder.parents]:
        path = candidate / "pyproject.toml"
        if path.is_file():
            return path
    return None


def load(paths: Sequence[str], explicit: Optional[str] = None, isolated: bool = False) -> Config:
    if isolated and explicit is not None:
        raise ConfigError("--config and --isolated cannot be used together")
    if isolated:
        return Config()
    if explicit is not None:
        path: Optional[Path] = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{explicit}: no such configuration file")
    else:
        starts = [Path(p) for p in paths if p != "-"] or [Path.cwd()]
        path = find_pyproject(_common_folder(starts))
    if path is None:
        return Config()
    return _read(path)


def _common_folder(paths: List[Path]) -> Path:
    import os

    resolved = [str(p.resolve()) for p in paths]
    common = Path(os.path.commonpath(resolved)) if resolved else Path.cwd()
    return common if common.is_dir() else common.parent


def read_toml(path: Path) -> Dict[str, Any]:
    """A TOML file's table. OSError, or ValueError (undecodable, not TOML), if unreadable."""
    # Imported here: --isolated and projects without a pyproject.toml read no TOML.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    return tomllib.loads(path.read_text(encoding="utf-8"))


def _read(path: Path) -> Config:
    try:
        data = read_toml(path)
    except (OSError, ValueError) as exc:  # TOMLDecodeError and UnicodeDecodeError are ValueErrors
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    config = Config(path=path)
    black = data.get("tool", {}).get("black", {})
    if isinstance(black, dict):
        config.black = {key.replace("-", "_"): value for key, value in black.items()}
    table = data.get("tool", {}).get("asyncio-upgrade", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.asyncio-upgrade] must be a table")
    for key in table:
        if key not in _KEYS:
            raise ConfigError(f"{path}: unknown key `{key}` in [tool.asyncio-upgrade] (known: {', '.join(sorted(_KEYS))})")

    def strings(key: str) -> Optional[List[str]]:
        if key not in table:
            return None
        value = table[key]
        if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise ConfigError(f"{path}: `{key}` must be a list of strings")
        return value

    if "target-version" in table:
        try:
            config.target_version = _checked_target(parse_version(str(table["target-version"])))
        except ValueError as exc:
            raise ConfigError(f"{path}: `target-version`: {exc}") from None
        config.target_source = f"target-version in {path}"
    else:
        requires = data.get("project", {}).get("requires-python")
        if isinstance(requires, str):
            config.target_version = minimum_python(requires)
            if config.target_version is None:
                raise ConfigError(f"{path}: cannot read requires-python {requires!r}")
            config.target_source = f"requires-python in {path}"
    config.select = strings("select")
    config.ignore = strings("ignore") or []
    config.exclude = strings("exclude") or []
    config.extend_exclude = strings("extend-exclude") or []
    config.extend_safe_fixes = strings("extend-safe-fixes") or []
    config.extend_unsafe_fixes = strings("extend-unsafe-fixes") or []
    if "unsafe-fixes" in table:
        if not isinstance(table["unsafe-fixes"], bool):
            raise ConfigError(f"{path}: `unsafe-fixes` must be true or false")
        config.unsafe_fixes = table["unsafe-fixes"]
    pfi = table.get("per-file-ignores", {})
    if not isinstance(pfi, dict) or not all(
        isinstance(v, list) and all(isinstance(c, str) for c in v) for v in pfi.values()
    ):
        raise ConfigError(f"{path}: `per-file-ignores` must map globs to lists of codes")
    config.per_file_ignores = dict(pfi)
    return config


def _checked_target(version: Version) -> Version:
    if not OLDEST_TARGET <= version <= NEWEST_TARGET:
        raise ValueError(
            f"{format_version(version)} is not supported (use {format_version(OLDEST_TARGET)} to {format_version(NEWEST_TARGET)})"
        )
    return version


def minimum_python(requires: str) -> Optional[Version]:
    """The oldest 3.x minor a `requires-python` specifier admits (``">=3.10"`` -> (3, 10))."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        spec = SpecifierSet(requires)
    except InvalidSpecifier:
        return None
    for minor in range(0, 30):
        if any(spec.contains(f"3.{minor}.{patch}", prereleases=True) for patch in (0, 99)):
            return max((3, minor), OLDEST_TARGET)
    return None


def parse_target(text: str) -> Version:
    return _checked_target(parse_version(text))
