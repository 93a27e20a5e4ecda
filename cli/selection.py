"""Which rules run on which file, and for which target: the configuration's choices and the
command line's, layered as ruff layers them, narrowed per file by `per-file-ignores`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Tuple

from asyncio_upgrade.codemods.api import OLDEST_TARGET, RuleInfo, Settings, Version

from . import config as config_module
from .config import Config
from .files import gitignore_spec
from .options import UsageError

if TYPE_CHECKING:
    import pathspec


def chosen_target(flag: Optional[str], config: Config) -> Tuple[Version, str]:
    """The target version and where it came from (for messages)."""
    if flag:
        try:
            return config_module.parse_target(flag), "--target-version"
        except ValueError as exc:
            raise UsageError(f"--target-version: {exc}") from None
    if config.target_version:
        return config.target_version, config.target_source
    return OLDEST_TARGET, "the default; no requires-python found"


def selected_codes(
    rules: List[RuleInfo], config: Config, select: Optional[List[str]], ignore: Optional[List[str]]
) -> FrozenSet[str]:
    """ruff's layering: the configuration's `select` minus its `ignore`, then the command line:
    `--select` replaces that selection (the configured `ignore` with it), `--ignore` narrows it."""
    path = config.path
    configured = _matching(rules, config.select if config.select is not None else ["ALL"], f"{path}: `select`: ")
    configured -= _matching(rules, config.ignore, f"{path}: `ignore`: ")
    chosen = _matching(rules, _split(select), "--select: ") if select else configured
    return chosen - _matching(rules, _split(ignore), "--ignore: ")


class FileSettings:
    """The engine's settings for each file: the run's, with the rules that `per-file-ignores`
    turns off for that file left out. Equal selections share one ``Settings``."""

    def __init__(self, base: Settings, rules: List[RuleInfo], config: Config) -> None:
        self.base = base
        self._root = config.root
        every = _matching(rules, ["ALL"], "")
        self._per_file: List[Tuple[pathspec.PathSpec, FrozenSet[str]]] = [
            (gitignore_spec([glob]), every - _matching(rules, codes, f"{config.path}: `per-file-ignores` ({glob}): "))
            for glob, codes in config.per_file_ignores.items()
        ]
        assert base.select is not None
        self._by_codes: Dict[FrozenSet[str], Settings] = {base.select: base}

    def for_path(self, path: Path) -> Settings:
        codes = self.base.select
        assert codes is not None
        if self._per_file:
            relative = _relative(path, self._root)
            for spec, allowed in self._per_file:
                if spec.match_file(relative):
                    codes = codes & allowed
        if codes not in self._by_codes:
            self._by_codes[codes] = Settings(
                target_version=self.base.target_version,
                select=codes,
                unsafe_fixes=self.base.unsafe_fixes,
                include_generated=self.base.include_generated,
                black=self.base.black,
            )
        return self._by_codes[codes]


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _split(values: Optional[List[str]]) -> List[str]:
    return [part.strip().upper() for value in values or [] for part in value.split(",") if part.strip()]


def _matching(rules: List[RuleInfo], tokens: List[str], where: str) -> FrozenSet[str]:
    """The codes that rule codes or prefixes (or `ALL`) name; an unknown one is a usage error
    that says ``where`` it was written."""
    codes = [rule.code for rule in rules]
    for token in tokens:
        if token.upper() != "ALL" and not any(code.startswith(token.upper()) for code in codes):
            raise UsageError(f"{where}unknown rule code or prefix `{token}` (see `asyncio-upgrade rules`)")
    return frozenset(code for code in codes if any(t.upper() == "ALL" or code.startswith(t.upper()) for t in tokens))
