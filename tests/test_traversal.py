"""The engine's walks (``codemods/traversal.py``) against libcst's own traversal, on every node
of the golden inputs and of one real project (all of the corpus with ``--full``): the same
children in the same order, no field left out that holds a node some rule hooks, the same
visitor callbacks in the same order, and the same scopes."""

from __future__ import annotations

from collections import defaultdict
from typing import Dict, FrozenSet, Iterator, List, Set

import corpus
import libcst as cst
import pytest

from libcst.metadata import MetadataWrapper, ScopeProvider

from asyncio_upgrade.codemods.context import resolve_scopes
from asyncio_upgrade.codemods.engine import _hooks
from asyncio_upgrade.codemods.registry import all_rules
from asyncio_upgrade.codemods.kit.scope import own_nodes
from asyncio_upgrade.codemods.kit.syntax import count_comments
from asyncio_upgrade.codemods.traversal import NoRebuild, child_fields, fields_reaching, find_all

from conftest import FIXTURES

SAMPLE = "aioamqp==0.14.0"  # the default tier's real project; --full takes the whole corpus


def _sources() -> List[pytest.param]:
    golden = pytest.param(sorted(FIXTURES.glob("*/*.input.py")), id="golden")
    real = [
        pytest.param(spec, id=spec, marks=() if spec == SAMPLE else pytest.mark.slow)
        for spec in sorted(corpus.RELEASES)
        if corpus.RELEASES[spec].sha256
    ]
    return [golden, *real]


@pytest.fixture(scope="module", params=_sources())
def modules(request) -> List[cst.Module]:
    paths = request.param if isinstance(request.param, list) else corpus.python_files(request.param)
    parsed = []
    for path in paths:
        try:
            parsed.append(cst.parse_module(path.read_bytes()))
        except cst.ParserSyntaxError:
            pass  # Python 2 files in old sdists
    assert len(parsed) > 3
    return parsed


def _nodes(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.children)


def _field_children(node: cst.CSTNode, fields) -> List[cst.CSTNode]:
    found: List[cst.CSTNode] = []
    for name in fields:
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            found.append(value)
        elif isinstance(value, (tuple, list)):
            found.extend(value)
    return found


def test_child_fields_give_libcsts_children_in_its_order(modules: List[cst.Module]) -> None:
    wrong = set()
    for module in modules:
        for node in _nodes(module):
            if _field_children(node, child_fields(node)) != list(node.children):
                wrong.add(type(node).__name__)
    assert wrong == set()


def test_an_f_string_format_spec_is_walked_when_the_first_one_seen_had_none() -> None:
    module = cst.parse_module('f"{a}"\nf"{b:{c}}"\n')
    plain, with_spec = (line.body[0].value.parts[0] for line in module.body)
    assert child_fields(plain) == child_fields(with_spec)
    assert [type(n).__name__ for n in _field_children(with_spec, child_fields(with_spec))][-1] == "FormattedStringExpression"


def _hooked_sets() -> List[FrozenSet[type]]:
    """What every rule hooks together, and each rule's own types."""
    per_rule = []
    for rule in all_rules():
        visits, leaves = _hooks(rule)
        per_rule.append(frozenset(visits) | frozenset(leaves))
    return [frozenset().union(*per_rule), *sorted(set(per_rule), key=lambda s: sorted(t.__name__ for t in s))]


def test_fields_left_out_hold_no_hooked_node(modules: List[cst.Module]) -> None:
    wanted_sets = _hooked_sets()
    missed: Dict[str, Set[str]] = defaultdict(set)
    for module in modules:
        below = _types_below(module)
        for node in _nodes(module):
            for wanted in wanted_sets:
                kept = fields_reaching(node, wanted)
                for name in child_fields(node):
                    if name in kept:
                        continue
                    for child in _field_children(node, (name,)):
                        if type(child) in wanted or not wanted.isdisjoint(below[child]):
                            missed[type(node).__name__].add(name)
    assert dict(missed) == {}


def _types_below(root: cst.CSTNode) -> Dict[cst.CSTNode, FrozenSet[type]]:
    """For every node: the types of the nodes under it."""
    below: Dict[cst.CSTNode, FrozenSet[type]] = {}
    order = list(_nodes(root))
    for node in reversed(order):  # children before parents
        types: Set[type] = set()
        for child in node.children:
            types.add(type(child))
            types |= below[child]
        below[node] = frozenset(types)
    return below


class _Recorder(cst.CSTVisitor):
    """Every callback libcst makes, with a hook of its own on one field (ClassDef bases) and
    a subtree it skips (lambdas) and walks itself (their body, from ``visit_Lambda``)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: List[tuple] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.calls.append(("visit", node))
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.calls.append(("leave", original_node))
        super().on_leave(original_node)

    def visit_ClassDef_bases(self, node: cst.ClassDef) -> None:
        self.calls.append(("bases", node))

    def leave_ClassDef_bases(self, node: cst.ClassDef) -> None:
        self.calls.append(("/bases", node))

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        node.body.visit(self)
        return False


class _AllAttributes(_Recorder):
    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        self.calls.append(("attribute", node, attribute))

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        self.calls.append(("/attribute", original_node, attribute))


class _FastRecorder(NoRebuild, _Recorder):
    pass


class _FastAllAttributes(NoRebuild, _AllAttributes):
    pass


def test_no_rebuild_makes_libcsts_callbacks(modules: List[cst.Module]) -> None:
    for slow_type, fast_type in ((_Recorder, _FastRecorder), (_AllAttributes, _FastAllAttributes)):
        for module in modules:
            slow, fast = slow_type(), fast_type()
            module.visit(slow)
            module.visit(fast)
            assert fast.calls == slow.calls


_SCOPES = frozenset({cst.FunctionDef, cst.Lambda, cst.ClassDef})


def test_find_all_finds_what_libcsts_visitors_find(modules: List[cst.Module]) -> None:
    """``find_all`` against ``m.findall``, ``own_nodes`` and ``count_comments`` (the walks
    it stands in for), node for node and in the same order, on every function too."""
    import libcst.matchers as m

    for module in modules:
        for kinds in ({cst.FunctionDef, cst.Call}, {cst.Comment}, {cst.Yield, cst.Return}):
            wanted = frozenset(kinds)
            expected = m.findall(module, m.OneOf(*(getattr(m, t.__name__)() for t in kinds)))
            assert find_all(module, wanted) == expected
        assert len(find_all(module, frozenset({cst.Comment}))) == count_comments(module)
        for func in find_all(module, frozenset({cst.FunctionDef})):
            own = own_nodes(func.body, cst.Yield) + own_nodes(func.body, cst.Return)
            found = find_all(func.body, frozenset({cst.Yield, cst.Return}), _SCOPES)
            assert sorted(found, key=id) == sorted(own, key=id)
            assert [n for n in found if isinstance(n, cst.Yield)] == own_nodes(func.body, cst.Yield)
            assert len(find_all(func, frozenset({cst.Comment}))) == count_comments(func)


def test_type_tests_are_isinstance(modules: List[cst.Module]) -> None:
    from asyncio_upgrade.codemods.traversal import IS_NODE, TypeTest

    statements = TypeTest((cst.SimpleStatementLine, cst.BaseCompoundStatement))
    for module in modules:
        for node in _nodes(module):
            assert IS_NODE[type(node)] and not IS_NODE[type(node.children)]
            assert statements[type(node)] == isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement))


def test_scopes_are_libcsts(modules: List[cst.Module]) -> None:
    for module in modules:
        fast = resolve_scopes(MetadataWrapper(module, unsafe_skip_copy=True))
        slow = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ScopeProvider)
        own = {id(node) for node in _nodes(module)}
        assert _scopes_described(fast, own) == _scopes_described(slow, own)


def _scopes_described(scopes, own: Set[int]) -> tuple:
    """Which scope each node is in, and what every scope binds and reads, by node identity
    (by type and code for the nodes of string annotations, which each analysis parses anew)."""

    def key(node) -> tuple:
        if node is None or id(node) in own:
            return ("", id(node))
        return (type(node).__name__, cst.Module([]).code_for_node(node))

    def scope_key(scope) -> tuple:
        return (type(scope).__name__, key(getattr(scope, "node", None))) if scope is not None else ()

    def described(items) -> list:
        return sorted(
            (
                type(item).__name__,
                str(getattr(item, "name", "")),
                key(getattr(item, "node", None)),
                tuple(sorted(key(getattr(r, "node", None)) for r in getattr(item, "referents", ()))),
                # where in its scope's assignments an access or assignment was made (which
                # assignments an access can see): counted on leaving assignment-like nodes
                getattr(item, "_index", None),
            )
            for item in items
        )

    where = sorted((id(node), scope_key(scope)) for node, scope in scopes.items() if id(node) in own)
    distinct = {id(scope): scope for scope in scopes.values() if scope is not None}
    contents = sorted(
        (scope_key(scope), described(scope.assignments), described(scope.accesses)) for scope in distinct.values()
    )
    return where, contents
