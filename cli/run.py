"""One invocation of `check` or `fix`: the settings it settled on before touching a file (the
target; the rules, from the configuration's choices and the command line's, layered as ruff
layers them and narrowed per file by `per-file-ignores`), its outcomes in order, and what it
says at the end."""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Dict, FrozenSet, Iterator, List, Optional, Tuple

from asyncio_upgrade.codemods.api import OLDEST_TARGET, Finding, FixStatus, RuleInfo, Settings, Version
from asyncio_upgrade.codemods.api import format_version, matched_packages, process_source, rule_infos
from asyncio_upgrade.codemods.api import black_options_from_pyproject

from . import config as config_module
from . import terminal
from .config import Config
from .files import discover, gitignore_spec, relative_posix
from .first_party import first_party
from .project_facts import ProjectFactsFinder, facts_words
from .options import RunOptions, UsageError
from .output import Tally, error
from .runner import Outcome, Runner

if TYPE_CHECKING:
    from .cache import Cache
    import pathspec

class Run:
    """Everything one invocation settled on before touching a file. ``keep_format``: `fix`'s
    `--format/--no-format`."""

    def __init__(self, options: RunOptions, *, keep_format: bool = True) -> None:
        self.paths = options.paths or ["."]
        self.stdin_name = options.stdin_filename or "-"
        self.quiet, self.verbose = options.quiet, options.verbose and not options.quiet
        try:
            self.config = config_module.load(self.paths, options.config, options.isolated)
        except config_module.ConfigError as exc:
            raise UsageError(str(exc)) from None
        self.rules = rule_infos()
        self.target, self.target_source = chosen_target(options.target_version, self.config)
        self.unsafe = bool(options.unsafe_fixes if options.unsafe_fixes is not None else self.config.unsafe_fixes)
        base = Settings(
            target_version=self.target,
            select=selected_codes(self.rules, self.config, options.select, options.ignore),
            unsafe_fixes=self.unsafe,
            include_generated=options.include_generated,
            black=black_options_from_pyproject(self.config.black) if keep_format else None,
        )
        base = replace(base, **fix_safety_overrides(
            self.rules, self.config, options.extend_safe_fixes, options.extend_unsafe_fixes
        ))
        exclude = [*self.config.exclude, *self.config.extend_exclude]
        self.exclude = gitignore_spec(exclude) if exclude else None
        if options.jobs is not None and options.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        self.cache = None
        if not options.no_cache:
            from .cache import Cache, code_fingerprint, default_cache_dir  # --no-cache: no hashlib, json

            config_folder = self.config.path.parent if self.config.path else None
            folder = Path(options.cache_dir) if options.cache_dir else default_cache_dir(config_folder)
            self.cache = Cache(folder, code_fingerprint())
        self.settings = FileSettings(base, self.rules, self.config, self.cache)
        self.runner = Runner(jobs=options.jobs, cache=self.cache)
        if self.verbose:
            print(f"target {format_version(self.target)} ({self.target_source}); "
                  f"{len(base.select or ())} rules; unsafe fixes {'on' if self.unsafe else 'off'}", file=sys.stderr)

    @property
    def rule_names(self) -> dict:
        return {rule.code: rule.name for rule in self.rules}

    def outcomes(self, *, fix: bool) -> Iterator[Outcome]:
        """Stdin first (if `-` was given), then every file, in order."""
        if "-" in self.paths:
            data = sys.stdin.buffer.read()
            path = Path(self.stdin_name)
            yield Outcome(path, data, process_source(data, self.settings.for_path(path, data), fix=fix), stdin=True)
        # Listed first (cheap: nothing is read) so that the progress bar knows the total.
        sources = list(discover([p for p in self.paths if p != "-"], self.exclude, self.config.root))
        work = ((source, PathSettings(self.settings, source.path)) for source in sources)
        yield from terminal.with_progress(self.runner.run(work, fix=fix), len(sources), not self.quiet)

    def findings_left(self, outcome: Outcome) -> List[Finding]:
        """What `check` finds in the rewritten source, at its positions there (as ruff reports
        after `--fix`)."""
        result = outcome.result
        if result.findings_after is not None:
            return result.findings_after
        checked = process_source(result.new_source, self.settings.for_path(outcome.path), fix=False)
        if checked.skipped is not None:  # cannot happen for a verified rewrite; never hide findings
            return [f for f in result.findings if f.fix is not FixStatus.APPLIED]
        return checked.findings

    def finish(self, tally: Tally, mode: str) -> None:
        """Notes and, on a terminal, the summary table; ``mode`` is check, fix or diff."""
        if self.quiet:
            return
        note = tally.withheld_note(self.target, self.target_source)
        if note:
            print(note, file=sys.stderr)
        if terminal.is_terminal(sys.stderr) and tally.files > 1:
            names = self.rule_names
            terminal.summary_table(
                _summary_rows(tally, mode),
                [(code, names.get(code, ""), n) for code, n in sorted(tally.per_rule.items())],
            )
        if self.verbose:
            hits = f"; {self.cache.hits} answered from the cache" if self.cache is not None else ""
            print(f"{tally.files} files{hits}", file=sys.stderr)


def account(tally: Tally, name: str, outcome: Outcome) -> bool:
    """Count an outcome; False when the file could not be handled (already reported)."""
    tally.files += 1
    problem = outcome.problem or (outcome.result.skipped if outcome.result else None)
    if problem:
        error(f"{name}: {problem}")
        tally.errors += 1
        return False
    for finding in outcome.result.findings:
        tally.by_status[finding.fix] += 1
        tally.per_rule[finding.code] += 1
    tally.add_withheld(outcome.result.withheld_by_target)
    return True


def _summary_rows(tally: Tally, mode: str) -> List[Tuple[str, int]]:
    by_status = tally.by_status
    left = tally.left
    if mode == "check":
        rows = [("findings", tally.findings()), ("fixable", by_status[FixStatus.AVAILABLE])]
    elif mode == "diff":
        rows = [("files to change", tally.changed), ("fixes to apply", tally.fixes_applied), ("findings left", left)]
    else:
        rows = [("files changed", tally.changed), ("fixes applied", tally.fixes_applied), ("findings left", left)]
    return [
        ("files scanned", tally.files),
        *rows,
        ("withheld as unsafe", by_status[FixStatus.UNSAFE]),
        ("withheld by target", sum(tally.withheld.values())),
        ("could not be handled", tally.errors),
    ]


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
    `--select` replaces that selection (the configured `ignore` with it), `--ignore` narrows it.
    With no `select` anywhere, the rules selected by default: every one but the opt-ins, which
    a code, a prefix or `ALL` names."""
    path = config.path
    if config.select is not None:
        configured = _matching(rules, config.select, f"{path}: `select`: ")
    else:
        configured = frozenset(rule.code for rule in rules if rule.selected_by_default)
    configured -= _matching(rules, config.ignore, f"{path}: `ignore`: ")
    chosen = _matching(rules, _split(select), "--select: ") if select else configured
    return chosen - _matching(rules, _split(ignore), "--ignore: ")


def fix_safety_overrides(
    rules: List[RuleInfo], config: Config, cli_safe: Optional[List[str]] = None, cli_unsafe: Optional[List[str]] = None
) -> Dict[str, FrozenSet[str]]:
    """ruff's `extend-safe-fixes` / `extend-unsafe-fixes`, from the configuration and the command
    line together, resolved to codes. A code both name goes to the more specific prefix; on a
    tie, to unsafe."""
    where = f"{config.path}: " if config.path else ""
    safe_tokens = [*config.extend_safe_fixes, *_split(cli_safe)]
    unsafe_tokens = [*config.extend_unsafe_fixes, *_split(cli_unsafe)]
    _matching(rules, config.extend_safe_fixes, f"{where}`extend-safe-fixes`: ")
    _matching(rules, config.extend_unsafe_fixes, f"{where}`extend-unsafe-fixes`: ")
    _matching(rules, _split(cli_safe), "--extend-safe-fixes: ")
    _matching(rules, _split(cli_unsafe), "--extend-unsafe-fixes: ")
    safe, unsafe = set(), set()
    for rule in rules:
        safe_depth, unsafe_depth = _specificity(rule.code, safe_tokens), _specificity(rule.code, unsafe_tokens)
        if unsafe_depth >= 0 and unsafe_depth >= safe_depth:
            unsafe.add(rule.code)
        elif safe_depth >= 0:
            safe.add(rule.code)
    return {"extend_safe_fixes": frozenset(safe), "extend_unsafe_fixes": frozenset(unsafe)}


def _specificity(code: str, tokens: List[str]) -> int:
    """How long the longest of ``tokens`` that names ``code`` is (`ALL` 0), or -1 for none."""
    lengths = [0 if t.upper() == "ALL" else len(t) for t in tokens if t.upper() == "ALL" or code.startswith(t.upper())]
    return max(lengths, default=-1)


class FileSettings:
    """The engine's settings for each file: the run's, with the rules that `per-file-ignores`
    turns off for that file left out. Equal selections share one ``Settings``."""

    def __init__(self, base: Settings, rules: List[RuleInfo], config: Config, cache: Optional["Cache"] = None) -> None:
        self.base = base
        self._root = config.root
        every = _matching(rules, ["ALL"], "")
        self._per_file: List[Tuple[pathspec.PathSpec, FrozenSet[str]]] = [
            (gitignore_spec([glob]), every - _matching(rules, codes, f"{config.path}: `per-file-ignores` ({glob}): "))
            for glob, codes in config.per_file_ignores.items()
        ]
        assert base.select is not None
        self._by_codes: Dict[tuple, Settings] = {}
        self._matched = matched_packages()
        facts_cache = None
        if cache is not None:
            from .facts_cache import FactsCache

            facts_cache = FactsCache(cache.folder, cache.fingerprint)
        self._facts = ProjectFactsFinder(facts_cache)
        self._facts_words: Dict[FrozenSet[str], Tuple[bytes, ...]] = {}

    def selection_for(self, path: Path) -> Settings:
        """The run's settings with the rules `per-file-ignores` leaves ``path``: what the text
        step needs."""
        codes = self._codes_for(path)
        key = (codes, frozenset())
        if key not in self._by_codes:
            self._by_codes[key] = replace(self.base, select=codes)
        return self._by_codes[key]

    def _codes_for(self, path: Path) -> FrozenSet[str]:
        codes = self.base.select
        assert codes is not None
        if self._per_file:
            relative = relative_posix(path, self._root) or path.as_posix()
            for spec, allowed in self._per_file:
                if spec.match_file(relative):
                    codes = codes & allowed
        return codes

    def for_path(self, path: Path, data: Optional[bytes] = None) -> Settings:
        """``data``: the file's bytes when they are not what is on disk (stdin)."""
        codes = self._codes_for(path)
        words = self._facts_words.get(codes)
        if words is None:
            words = self._facts_words[codes] = facts_words(codes)
        facts = self._facts.for_file(path, data, words) if words else None
        if facts is not None:  # a file's own: hashing them costs as much as building its settings
            return replace(self.base, select=codes, first_party=first_party(path, self._matched), facts=facts)
        key = (codes, first_party(path, self._matched))
        if key not in self._by_codes:
            self._by_codes[key] = replace(self.base, select=codes, first_party=key[1])
        return self._by_codes[key]


@dataclass(frozen=True)
class PathSettings:
    """What the runner asks for one file's settings (``runner.SettingsFor``)."""

    chooser: FileSettings
    path: Path

    def selection(self) -> Settings:
        return self.chooser.selection_for(self.path)

    def __call__(self, data: bytes) -> Settings:
        return self.chooser.for_path(self.path, data)


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
