"""Which rules can fire on a source, decided cheaply and without libcst.

Two steps, each a superset of what the rules really match:

1. Text: a rule needs one of its ``trigger_words`` in the file, ``async`` if it only fires in
   coroutines, and, if it declares ``anchors``, the two words a reference to one of them spells
   (``asyncio`` and ``gather`` for ``asyncio.gather``).
2. Names, for the rules that declare ``anchors``: the file (parsed by ``ast``, which is ten
   times faster than libcst and needs no scope analysis) must refer to one of the anchors or
   to a name under one, through any of its imports (``import asyncio as aio`` makes
   ``aio.sleep`` mean ``asyncio.sleep``) or as a builtin (``open`` is ``builtins.open``).
   Shadowing is ignored: it can only make a reference mean less. Rules that only fire in
   coroutines also need an ``async def``.

Anchors are stored short (``codemods/manifest.py``): ``asyncio.*.gather`` stands for
``asyncio.gather`` and its spelling in each asyncio submodule (``asyncio.tasks.gather``…);
``expanded_anchors`` spells them out where step 2 reads them.

A source ``ast`` cannot parse (newer syntax than the running Python) skips step 2.
"""

from __future__ import annotations

import ast
import builtins
import re
from typing import Callable, Collection, Dict, FrozenSet, Iterable, Iterator, List, Optional, Protocol, Sequence, Set, Tuple, TypeVar

from .source import quiet_ast

_BUILTINS = frozenset(dir(builtins))
# Anchors for shapes that no import names: ``await <anything>.method(...)``, an ``except*`` clause.
_AWAITED = "await ."
EXCEPT_STAR = "except*"
_TRY_STAR = getattr(ast, "TryStar", None)  # 3.11+; older Pythons cannot parse one (step 2 is skipped)
# The submodules whose names asyncio re-exports: ``asyncio.gather`` is also ``asyncio.tasks.gather``.
ASYNCIO_SUBMODULES = (
    "base_events", "coroutines", "events", "exceptions", "futures", "locks", "queues",
    "runners", "streams", "subprocess", "tasks", "taskgroups", "timeouts", "unix_events",
    "windows_events",
)
_FAMILY = "asyncio.*."


def short_anchors(anchors: Iterable[str]) -> Tuple[str, ...]:
    """``anchors`` sorted, each complete family of asyncio spellings (``asyncio.gather``,
    ``asyncio.tasks.gather``…) written once as ``asyncio.*.gather``; the inverse of
    ``expanded_anchors``."""
    names = set(anchors)
    for name in sorted(names):
        attr = name[len("asyncio.") :]
        family = _family_of(attr) if name.startswith("asyncio.") else set()
        if family and family <= names:
            names -= family
            names.add(_FAMILY + attr)
    return tuple(sorted(names))


def expanded_anchors(anchors: Collection[str]) -> FrozenSet[str]:
    """Every qualified name the (short or already expanded) ``anchors`` stand for,
    remembered per anchors object."""
    return _remembered(_expanded_seen, anchors, lambda: frozenset(_expand(anchors)))


def _expand(anchors: Iterable[str]) -> Iterator[str]:
    for anchor in anchors:
        if anchor.startswith(_FAMILY):
            yield from _family_of(anchor[len(_FAMILY) :])
        else:
            yield anchor


def _family_of(attr: str) -> Set[str]:
    """``asyncio.<attr>`` and its submodule spellings; none for a name under a submodule."""
    if attr.partition(".")[0] in ASYNCIO_SUBMODULES:
        return set()
    return {f"asyncio.{attr}", *(f"asyncio.{sub}.{attr}" for sub in ASYNCIO_SUBMODULES)}


def package_named(anchor: str) -> Optional[str]:
    """The top-level package a reference to ``anchor`` imports: none for a builtin or a shape."""
    if anchor.startswith(("builtins.", _AWAITED)) or anchor == EXCEPT_STAR:
        return None
    return anchor.partition(".")[0]


def awaited_method(method: str) -> str:
    """An anchor met by ``await <anything>.<method>(...)`` inside an ``async def``."""
    return f"{_AWAITED}{method}()"


class Triggers(Protocol):
    trigger_words: Tuple[str, ...]
    anchors: Tuple[str, ...]
    needs_async_def: bool


T = TypeVar("T", bound=Triggers)
V = TypeVar("V")


def rules_that_may_fire(text: str, rules: Sequence[T]) -> List[T]:
    return rules_by_names(text, rules_by_text(text, rules))


def rules_by_text(text: str, rules: Sequence[T]) -> List[T]:
    """Step 1: the rules whose words are all in ``text``."""
    contains = _WordsIn(text)
    if not contains["async"]:  # most files: then only the few rules that can do without it
        rules = _not_needing_async(rules)
    return [rule for rule in rules if _text_may_trigger(contains, rule)]


def rules_by_names(text: str, rules: Sequence[T]) -> List[T]:
    """Step 2: of ``rules`` (which passed step 1), those whose anchors ``text`` refers to."""
    if not any(rule.anchors for rule in rules):
        return list(rules)
    facts = SourceFacts.read(text)
    if facts is None:
        return list(rules)
    return [rule for rule in rules if facts.may_trigger(rule)]


class _WordsIn(dict):
    """``contains[word]``: is ``word`` in the text? Each word is looked for once per text
    (most rules share "asyncio" or "async"), and not at all when a word it contains is known
    to be absent ("asyncio" and "async_timeout" where "async" is not written): each search
    for a missing word reads the whole text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.absent: List[str] = []

    def __missing__(self, word: str) -> bool:
        apart = _TWO_TOKENS.get(word)
        if any(missing in word for missing in self.absent):
            found = False
        elif apart is None:
            found = word in self.text
        else:
            first, pattern = apart
            found = self[first] and (word in self.text or pattern.search(self.text) is not None)
        if not found:
            self.absent.append(word)
        self[word] = found
        return found


# Words that are two tokens, which may stand apart: ``except *E``, ``yield  from``, or split
# by a backslash continuation. No ``\b`` in front: ``re`` then jumps from one occurrence of the
# literal to the next instead of trying every position (15x faster; a superset all the same).
_TWO_TOKENS = {
    "except*": ("except", re.compile(r"except[\s\\]*\*")),
    "yield from": ("yield", re.compile(r"yield[\s\\]+from")),
}


def _text_may_trigger(contains: _WordsIn, rule: Triggers) -> bool:
    if rule.needs_async_def and not contains["async"]:
        return False
    if _trigger_words_first(rule):
        return any(contains[word] for word in rule.trigger_words) and _spells_an_anchor(contains, rule)
    return _spells_an_anchor(contains, rule) and any(contains[word] for word in rule.trigger_words)


def _spells_an_anchor(contains: _WordsIn, rule: Triggers) -> bool:
    return not rule.anchors or any(contains[first] and contains[last] for first, last in _word_pairs(rule.anchors))


def _trigger_words_first(rule: Triggers) -> bool:
    """Whether the rule's trigger words are fewer than the packages its anchors are in: the
    shorter list goes first, as each missing word costs a read of the whole text (AIO216:
    "yield", then six packages)."""
    return _remembered(
        _words_first_seen,
        rule,
        lambda: len(rule.trigger_words) < len({first for first, _ in _word_pairs(rule.anchors)}),
    )


def _remembered(table: Dict[int, Tuple[object, object]], key: object, compute: Callable[[], V]) -> V:
    """``compute()`` once per ``key`` object, by identity (rule lists and anchor tuples are
    hashed by value, slowly, or not at all); the key kept beside the answer guards a reused id."""
    seen = table.get(id(key))
    if seen is None or seen[0] is not key:
        seen = table[id(key)] = (key, compute())
    return seen[1]  # type: ignore[return-value]


_not_needing_async_seen: Dict[int, Tuple[object, object]] = {}
_needs_async_seen: Dict[int, Tuple[object, object]] = {}
_word_pairs_seen: Dict[int, Tuple[object, object]] = {}
_expanded_seen: Dict[int, Tuple[object, object]] = {}
_words_first_seen: Dict[int, Tuple[object, object]] = {}


def _not_needing_async(rules: Sequence[T]) -> List[T]:
    """The rules that can pass the text step where "async" is not written, remembered per
    sequence object (the API passes the same list of rule infos for every file)."""
    return _remembered(_not_needing_async_seen, rules, lambda: [r for r in rules if not _needs_word_async(r)])


def _needs_word_async(rule: Triggers) -> bool:
    """Can the rule pass the text step only where "async" is written (it fires only in
    coroutines, or every reference to an anchor spells "asyncio" or "async_timeout")?"""
    return _remembered(
        _needs_async_seen,
        rule,
        lambda: rule.needs_async_def
        or bool(rule.anchors)
        and all("async" in first or "async" in last for first, last in _word_pairs(rule.anchors)),
    )


def _word_pairs(anchors: Collection[str]) -> FrozenSet[Tuple[str, str]]:
    """The distinct ``_words_spelled`` of the anchors (hundreds of anchors, a few pairs),
    remembered per anchors object."""
    return _remembered(_word_pairs_seen, anchors, lambda: frozenset(map(_words_spelled, _expand(anchors))))


def _words_spelled(anchor: str) -> Tuple[str, str]:
    """Two words any reference to ``anchor`` spells: the package (in the import) and the last
    name (``from asyncio import gather as g`` spells both; so does ``aio.tasks.gather``). For a
    builtin, its name twice; for ``await x.acquire()``, "await" and the method."""
    if anchor.startswith(_AWAITED):
        return "await", anchor[len(_AWAITED) : -2]
    if anchor == EXCEPT_STAR:
        return EXCEPT_STAR, EXCEPT_STAR
    dotted = anchor.partition("()")[0]
    package, _, rest = dotted.partition(".")
    if package == "builtins" and rest:
        package = rest.partition(".")[0]
    return package, dotted.rpartition(".")[2]


class SourceFacts:
    """What ``ast`` tells about a source: the qualified names it may refer to (and every
    dotted prefix of them), and whether it has an ``async def``."""

    def __init__(self, names: FrozenSet[str], has_async_def: bool, awaited_methods: FrozenSet[str]) -> None:
        self.names = names
        self.has_async_def = has_async_def
        self.awaited_methods = awaited_methods

    @classmethod
    def read(cls, text: str) -> Optional["SourceFacts"]:
        try:
            tree = quiet_ast(text)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return None
        bindings: dict = {}
        spellings: Set[str] = set()
        imported: Set[str] = set()
        awaited_methods: Set[str] = set()
        shapes: Set[str] = set()  # anchors that are syntax, not names
        has_async_def = False
        for node in _walk_with_string_annotations(tree):
            if isinstance(node, ast.Name):
                spellings.add(node.id)
            elif isinstance(node, ast.Attribute):
                dotted = _dotted(node)
                if dotted:
                    spellings.add(dotted)
            elif isinstance(node, ast.AsyncFunctionDef):
                has_async_def = True
            elif _TRY_STAR is not None and isinstance(node, _TRY_STAR):
                shapes.add(EXCEPT_STAR)
            elif isinstance(node, ast.Await):
                call = node.value
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
                    awaited_methods.add(call.func.attr)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        bindings.setdefault(alias.asname, set()).add(alias.name)
                    else:
                        head = alias.name.partition(".")[0]
                        bindings.setdefault(head, set()).add(head)
                    imported.add(alias.name)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if alias.name != "*":
                        bindings.setdefault(alias.asname or alias.name, set()).add(f"{node.module}.{alias.name}")
                        imported.add(f"{node.module}.{alias.name}")
        # An import is a reference too: some rules report or rewrite the import itself.
        names = imported | shapes
        for spelling in spellings:
            head, dot, rest = spelling.partition(".")
            for target in bindings.get(head, ()):
                names.add(target + dot + rest)
            if head in _BUILTINS:
                names.add(f"builtins.{spelling}")
        return cls(frozenset(_with_prefixes(names)), has_async_def, frozenset(awaited_methods))

    def may_trigger(self, rule: Triggers) -> bool:
        if rule.needs_async_def and not self.has_async_def:
            return False
        return not rule.anchors or any(self._meets(anchor) for anchor in expanded_anchors(rule.anchors))

    def _meets(self, anchor: str) -> bool:
        if anchor.startswith(_AWAITED):
            return anchor[len(_AWAITED) : -2] in self.awaited_methods
        return self.refers_to(anchor.partition("()")[0])

    def refers_to(self, anchor: str) -> bool:
        """Does the source name ``anchor`` or something under it (``asyncio`` covers
        ``asyncio.sleep``; ``asyncio.gather`` is not covered by ``asyncio.gathering``)?"""
        return anchor in self.names


def _with_prefixes(names: Iterable[str]) -> Set[str]:
    """``{"a.b.c"}`` -> ``{"a", "a.b", "a.b.c"}``."""
    found: Set[str] = set()
    for name in names:
        parts = name.split(".")
        found.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
    return found


def _dotted(node: ast.Attribute) -> Optional[str]:
    parts = [node.attr]
    value = node.value
    while isinstance(value, ast.Attribute):
        parts.append(value.attr)
        value = value.value
    if not isinstance(value, ast.Name):
        return None
    parts.append(value.id)
    return ".".join(reversed(parts))


def _walk_with_string_annotations(tree: ast.AST) -> Iterable[ast.AST]:
    """``ast.walk``, plus the expressions inside strings that read as type expressions
    (``x: "asyncio.Lock"``, ``List["Path"]``): libcst's scope analysis counts names in
    string annotations as references, and telling annotations from other strings here would
    cost more than parsing the few short strings that look like one."""
    for node in ast.walk(tree):
        yield node
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _TYPE_LIKE.fullmatch(node.value):
            try:
                inner = quiet_ast(node.value.strip(), mode="eval")
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
            yield from _walk_with_string_annotations(inner)


_TYPE_LIKE = re.compile(r"[\w.\[\], |]{1,200}")
