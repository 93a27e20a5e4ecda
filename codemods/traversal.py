"""Walking a libcst tree the way ``node.visit(visitor)`` does, without its cost.

libcst's traversal rebuilds every node it passes, even for a visitor that changes nothing (a
node is constructed and validated again from its visited children, then thrown away): about
three quarters of the cost of parsing, per walk. Reading the fields instead visits the same
nodes in the same order at a fraction of that, and a walk that only needs some node types can
leave out every field that cannot hold one of them (whitespace, commas, operators...).

Two facts come from libcst itself rather than from a table kept here: the order in which its
traversal visits a node type's fields (learned once per type by watching
``_visit_and_replace_children``), and which node types a field can hold (its type annotation).
``tests/test_traversal.py`` checks both against every node of the golden inputs and of real
projects.
"""

from __future__ import annotations

import functools
import inspect
import typing
from typing import Dict, FrozenSet, List, Set, Tuple

import libcst as cst

__all__ = ["IS_NODE", "TypeTest", "child_fields", "fields_reaching", "find_all"]


class TypeTest(dict):
    """``test[type(x)]`` is ``isinstance(x, classes)``, remembered per type. libcst's node
    classes are ABCs: ``isinstance`` against one runs ``ABCMeta.__instancecheck__`` in Python,
    once per class of a tuple, several times slower than this lookup (most of a walk's time
    went there)."""

    def __init__(self, classes: "type | Tuple[type, ...]") -> None:
        super().__init__()
        self.classes = classes

    def __missing__(self, node_type: type) -> bool:
        found = self[node_type] = issubclass(node_type, self.classes)
        return found


IS_NODE = TypeTest(cst.CSTNode)

_ORDER: Dict[type, Tuple[str, ...]] = {}


class _FieldRecorder(cst.CSTVisitor):
    """Records the fields libcst visits on ``parent``, without descending into them."""

    def __init__(self, parent: cst.CSTNode) -> None:
        super().__init__()
        self.parent = parent
        self.fields: list = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False

    def on_leave(self, original_node: cst.CSTNode) -> None:
        pass

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if node is self.parent:
            self.fields.append(attribute)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        pass


def child_fields(node: cst.CSTNode) -> Tuple[str, ...]:
    """The fields of ``node`` that libcst's traversal visits, in its order (source order).

    A field libcst skips when it is None (an f-string expression's ``format_spec``, its last)
    comes last when this node's recording missed it."""
    node_type = type(node)
    order = _ORDER.get(node_type)
    if order is None:
        recorder = _FieldRecorder(node)
        node._visit_and_replace_children(recorder)
        skipped = (name for name, types in field_types(node_type).items() if types and name not in recorder.fields)
        order = _ORDER[node_type] = (*recorder.fields, *skipped)
    return order


# -- which node types a field can hold ----------------------------------------------------

_FIELD_TYPES: Dict[type, Dict[str, FrozenSet[type]]] = {}
_REACHING: Dict[Tuple[type, FrozenSet[type]], Tuple[str, ...]] = {}


def field_types(node_type: type) -> Dict[str, FrozenSet[type]]:
    """For each field of ``node_type``: the concrete node types its annotation allows."""
    found = _FIELD_TYPES.get(node_type)
    if found is None:
        fields = node_type.__dataclass_fields__.values()  # type: ignore[attr-defined]
        try:
            found = {field.name: _concrete(field.type) for field in fields}
        except _Postponed:
            # typing.get_type_hints walks the whole class: ~1 ms a class, paid only where needed
            hints = typing.get_type_hints(node_type)
            found = {field.name: _concrete(hints[field.name]) for field in fields}
        _FIELD_TYPES[node_type] = found
    return found


def fields_reaching(node: cst.CSTNode, wanted: FrozenSet[type]) -> Tuple[str, ...]:
    """``child_fields(node)`` without those that cannot hold a node of a ``wanted`` type,
    directly or below."""
    key = (type(node), wanted)
    fields = _REACHING.get(key)
    if fields is None:
        types = field_types(type(node))
        holders = _holding(wanted)
        fields = _REACHING[key] = tuple(name for name in child_fields(node) if not holders.isdisjoint(types[name]))
    return fields


def find_all(root: cst.CSTNode, kinds: FrozenSet[type], skip: FrozenSet[type] = frozenset()) -> List[cst.CSTNode]:
    """The nodes of the concrete types ``kinds`` at or below ``root``, in the order libcst's
    traversal visits them (``m.findall(root, m.OneOf(...))`` without rebuilding every node or
    entering a field that cannot hold one); nodes of the types ``skip`` are not entered."""
    found: List[cst.CSTNode] = []
    stack: List[cst.CSTNode] = [root]
    while stack:
        node = stack.pop()
        if type(node) in kinds:
            found.append(node)
        if type(node) in skip:
            continue
        children: List[cst.CSTNode] = []
        for name in fields_reaching(node, kinds):
            value = getattr(node, name)
            if IS_NODE[type(value)]:
                children.append(value)
            elif type(value) is tuple or type(value) is list:
                children.extend(value)
        stack.extend(reversed(children))
    return found


@functools.lru_cache(maxsize=None)  # one per set of hooked types: a few per run
def _holding(wanted: FrozenSet[type]) -> FrozenSet[type]:
    """The node types in ``wanted`` and those that can hold one of them, however deep: one
    walk up the table from ``wanted`` (walking down from each type asked about cost a whole
    closure per type, tens of milliseconds at every start)."""
    holders = _holders()
    found = set(wanted)
    stack = list(wanted)
    while stack:
        for holder in holders.get(stack.pop(), ()):
            if holder not in found:
                found.add(holder)
                stack.append(holder)
    return frozenset(found)


@functools.lru_cache(maxsize=None)
def _holders() -> Dict[type, Tuple[type, ...]]:
    """For each node type, the node types with a field that can hold it."""
    holders: Dict[type, Set[type]] = {}
    for node_type in _subclasses(cst.CSTNode):
        for types in field_types(node_type).values():
            for child in types:
                holders.setdefault(child, set()).add(node_type)
    return {child: tuple(found) for child, found in holders.items()}


class _Postponed(Exception):
    """An annotation kept as a string, or naming a class libcst does not export."""


@functools.lru_cache(maxsize=None)  # a few hundred distinct annotations, shared by most fields
def _concrete(annotation: object) -> FrozenSet[type]:
    """The concrete libcst node classes an annotation admits (through Union, Optional,
    Sequence, and ``ForwardRef``s to classes libcst exports); nothing for str, bool and
    sentinels."""
    if isinstance(annotation, typing.ForwardRef):
        named = getattr(cst, annotation.__forward_arg__, None)
        if not isinstance(named, type):
            raise _Postponed(annotation)
        return _concrete(named)
    if isinstance(annotation, str):
        raise _Postponed(annotation)
    if typing.get_origin(annotation) is typing.Literal:  # its arguments are values, not types
        return frozenset()
    args = typing.get_args(annotation)
    if args:
        return frozenset().union(*map(_concrete, args))
    # not issubclass: CSTNode is an ABC, whose negative answer asks each of its 400 subclasses
    if isinstance(annotation, type) and cst.CSTNode in annotation.__mro__:
        return frozenset(_subclasses(annotation))
    return frozenset()


@functools.lru_cache(maxsize=None)  # a few dozen bases (BaseExpression...), asked for by hundreds of fields
def _subclasses(base: type) -> Tuple[type, ...]:
    found = []
    stack = [base]
    while stack:
        cls = stack.pop()
        if not inspect.isabstract(cls):
            found.append(cls)
        stack.extend(cls.__subclasses__())
    return tuple(found)


# -- libcst's visitor protocol, without the rebuilding ------------------------------------

# Fields libcst's traversal enters only when they are set (no attribute callbacks when None).
_VISITED_ONLY_WHEN_SET = frozenset(
    (node_type, "format_spec")
    for node_type in (getattr(cst, "FormattedStringExpression"), getattr(cst, "TemplatedStringExpression", None))
    if node_type is not None
)
_ATTRIBUTE_HOOKS: Dict[type, object] = {}
_ALL = object()


class NoRebuild:
    """Mixin for a ``cst.CSTVisitor``: ``node.visit(visitor)`` calls the same callbacks on the
    same nodes in the same order (``on_visit``, ``on_visit_attribute``... ``on_leave``), nested
    ``visit`` calls from its hooks included, but reads each node's fields instead of letting
    libcst construct every node again. Attribute callbacks that would only look up libcst's
    empty ``visit_<Node>_<field>`` stubs are not made."""

    def on_visit(self, node: cst.CSTNode) -> bool:
        if not super().on_visit(node):  # type: ignore[misc]
            return False
        hooks = _ATTRIBUTE_HOOKS.get(type(self))
        if hooks is None:
            hooks = _attribute_hooks(type(self))
        node_type = type(node)
        for name in child_fields(node):
            value = getattr(node, name)
            if value is None and (node_type, name) in _VISITED_ONLY_WHEN_SET:
                continue
            called = hooks is _ALL or (node_type, name) in hooks  # type: ignore[operator]
            if called:
                self.on_visit_attribute(node, name)  # type: ignore[attr-defined]
            if IS_NODE[type(value)]:
                self.on_visit(value)
                self.on_leave(value)  # type: ignore[attr-defined]
            elif type(value) is tuple or type(value) is list:
                for item in value:
                    self.on_visit(item)
                    self.on_leave(item)  # type: ignore[attr-defined]
            if called:
                self.on_leave_attribute(node, name)  # type: ignore[attr-defined]
        return False  # the children are done: libcst goes straight to ``on_leave``


def _attribute_hooks(visitor_type: type) -> object:
    """``_ALL`` when the visitor overrides ``on_visit_attribute`` or ``on_leave_attribute``;
    else the (node type, field) pairs it has its own ``visit_X_field``/``leave_X_field`` for."""
    found = _ATTRIBUTE_HOOKS.get(visitor_type)
    if found is None:
        from libcst._typed_visitor import CSTTypedVisitorFunctions

        if (
            visitor_type.on_visit_attribute is not cst.CSTVisitor.on_visit_attribute
            or visitor_type.on_leave_attribute is not cst.CSTVisitor.on_leave_attribute
        ):
            found = _ALL
        else:
            pairs = set()
            for attr in dir(visitor_type):
                kind, _, rest = attr.partition("_")
                node_name, _, field = rest.partition("_")
                node_type = getattr(cst, node_name, None)
                if kind in ("visit", "leave") and field and isinstance(node_type, type):
                    if getattr(visitor_type, attr) is not getattr(CSTTypedVisitorFunctions, attr, None):
                        pairs.add((node_type, field))
            found = frozenset(pairs)
        _ATTRIBUTE_HOOKS[visitor_type] = found
    return found
