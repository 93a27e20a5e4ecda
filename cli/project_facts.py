"""The project facts each file is handed: what the project's other modules say about the
names it imports (``codemods/facts.py``).

Hazard: a file's result may now depend on other files. Each file gets only the facts of the
first-party modules it imports (and the modules those import, for
re-exports and base classes), and they are part of its settings, so of its cache key: editing
one module re-checks the files that import it, and no others. Facts are read with ``ast``
(about a millisecond a module), once per module per run, and kept by content in the cache
folder, so a second run over an unchanged tree parses nothing.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Collection, Dict, Iterator, List, Optional, Tuple

from asyncio_upgrade.codemods.api import ModuleFacts, ProjectFacts, module_facts

from .files import SKIPPED_DIRS, resolved
from .first_party import project_root

if TYPE_CHECKING:
    from .facts_cache import FactsCache



def facts_words(codes: Optional[Collection[str]] = None) -> Tuple[bytes, ...]:
    """The words that make a file ask for facts: those the rules of ``codes`` (every rule when
    None) declare as ``facts_words``. A file without one of them is handed none, and pays nothing."""
    from asyncio_upgrade.codemods.api import rule_infos

    chosen = [info for info in rule_infos() if codes is None or info.code in codes]
    return tuple(sorted({word.encode() for info in chosen for word in info.facts_words}))

# How many imports away a module may be and still be read: a name re-exported twice, or a
# base class of a base class in a third module.
_IMPORT_DEPTH = 4


class ProjectFactsFinder:
    def __init__(self, cache: Optional["FactsCache"] = None) -> None:
        self._facts: Dict[Path, Optional[ModuleFacts]] = {}
        self._indexes: Dict[Path, ProjectFacts] = {}
        # Per project, once per run: a module's file, and the calls into each module (by
        # every dotted prefix of the callee's name) with the module they are made from.
        self._files: Dict[Path, Dict[str, Optional[Path]]] = {}
        self._calls_into: Dict[Path, Dict[str, List[Tuple[str, str, str]]]] = {}
        self._cache = cache
        self._every_rules_words: Tuple[bytes, ...] = ()

    def for_file(
        self, path: Path, data: Optional[bytes] = None, asked_by: Optional[Tuple[bytes, ...]] = None
    ) -> Optional[ProjectFacts]:
        """The facts ``path`` may use, or None when it asks for none (has none of the words
        ``asked_by``, by default every rule's ``facts_words``) or is in no project."""
        path = resolved(path)
        root = project_root(path.parent)
        if root is None:
            return None
        if data is None:
            try:
                data = path.read_bytes()
            except OSError:
                return None
        if asked_by is None:
            asked_by = self._every_rules_words = self._every_rules_words or facts_words()
        if not any(word in data for word in asked_by):
            return None
        located = _module_name(path, root)
        if located is None:
            return None
        name, is_package = located
        own = self._module(path, name, is_package, data)
        if own is None:
            return None
        chosen: Dict[str, ModuleFacts] = {}  # the engine reads the file's own from the text it is given
        wanted = set(own.imported_modules())
        files = self._files.setdefault(root, {})
        for _ in range(_IMPORT_DEPTH):
            found = {}
            for module in sorted(wanted - chosen.keys()):
                if module not in files:
                    files[module] = _file_of(module, root)
                file = files[module]
                if file is not None and file != path:
                    facts = self._module(file, module, file.name == "__init__.py")
                    if facts is not None:
                        found[module] = facts
            chosen.update(found)
            wanted = {m for facts in found.values() for m in facts.imported_modules()}
        facts = ProjectFacts.of(chosen, name, is_package)
        return replace(facts, callers=self._callers(root, name))

    def _callers(self, root: Path, module: str) -> Tuple[Tuple[str, str], ...]:
        """How the project's other modules call ``module``'s functions without running them."""
        calls = self._calls_into_modules(root).get(module, ())
        return tuple(sorted({(defined, use) for caller, defined, use in calls if caller != module}))

    def _calls_into_modules(self, root: Path) -> Dict[str, List[Tuple[str, str, str]]]:
        if root not in self._calls_into:
            index = self._index(root)
            table: Dict[str, List[Tuple[str, str, str]]] = {}
            for caller, facts in index.modules:
                for callee, use in facts.calls:
                    defined = index.defined_as(callee)
                    if defined is None:
                        continue
                    parts = defined.split(".")
                    for end in range(1, len(parts)):
                        table.setdefault(".".join(parts[:end]), []).append((caller, defined, use))
            self._calls_into[root] = table
        return self._calls_into[root]

    def _index(self, root: Path) -> ProjectFacts:
        """The facts of every module of the project under ``root`` (read once per run; each
        module's from the cache when its content is unchanged)."""
        if root not in self._indexes:
            modules: Dict[str, ModuleFacts] = {}
            for path in _python_files(root):
                located = _module_name(path, root)
                if located is not None:
                    facts = self._module(path, *located)
                    if facts is not None:
                        modules[located[0]] = facts
            self._indexes[root] = ProjectFacts.of(modules)
        return self._indexes[root]

    def _module(self, path: Path, name: str, is_package: bool, data: Optional[bytes] = None) -> Optional[ModuleFacts]:
        if path not in self._facts:
            try:
                data = data if data is not None else path.read_bytes()
                text = data.decode("utf-8")
            except (OSError, UnicodeDecodeError):
                self._facts[path] = None
            else:
                cached = self._cache.get(data, name, is_package) if self._cache is not None else None
                if cached is None:
                    cached = module_facts(text, name, is_package)
                    if self._cache is not None and cached is not None:
                        self._cache.put(data, name, is_package, cached)
                self._facts[path] = cached
        return self._facts[path]


def _module_name(path: Path, root: Path) -> Optional[Tuple[str, bool]]:
    """The dotted name a file is imported by, from the project root or its ``src/``."""
    for base in (root / "src", root):
        try:
            parts = list(path.with_suffix("").relative_to(base).parts)
        except ValueError:
            continue
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        if parts and all(part.isidentifier() for part in parts):
            return ".".join(parts), is_package
    return None


def _file_of(module: str, root: Path) -> Optional[Path]:
    parts = module.split(".")
    for base in (root / "src", root):
        for candidate in (base.joinpath(*parts).with_suffix(".py"), base.joinpath(*parts, "__init__.py")):
            if candidate.is_file():
                return candidate.resolve()
    return None


def _python_files(root: Path) -> Iterator[Path]:
    """Every ``.py`` file under ``root``, in the folders a run would walk (no virtual
    environments, build output or hidden folders); resolved, as ``for_file`` resolves paths."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(".py"):
                yield (Path(dirpath) / name).resolve()
