"""What a name or expression holds: the values its bindings assign, and the kinds of object they prove."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Collection, Dict, Iterable, List, Optional, Tuple, Union

import libcst as cst

from ..context import once_per_file
from ..facts import ASYNC, GENERATOR
from ..traversal import find_all
from .names import (
    ASYNCIO_COROUTINE_FUNCTIONS, ASYNCIO_LOCKS, GET_EVENT_LOOP, GET_RUNNING_LOOP, PATHLIB_PATHS, is_call_to,
    is_dotted_name,
)
from .scope import function_of, innermost_def, own_nodes
from .syntax import is_literal

if TYPE_CHECKING:
    from ..context import FileContext


def _is_coroutine_function_def(node: cst.CSTNode) -> bool:
    """An undecorated ``async def`` that does not ``yield`` (an async generator would)."""
    if not isinstance(node, cst.FunctionDef) or node.asynchronous is None or node.decorators:
        return False
    return not own_nodes(node.body, cst.Yield)


def _is_generator_function_def(node: cst.CSTNode) -> bool:
    """An undecorated plain ``def`` that ``yield``s."""
    if not isinstance(node, cst.FunctionDef) or node.asynchronous is not None or node.decorators:
        return False
    return bool(own_nodes(node.body, cst.Yield))


def _calls_only(ctx: FileContext, node: cst.CSTNode, is_def: Callable[[cst.CSTNode], bool]) -> bool:
    """``node`` calls a plain name every binding of which is a def that ``is_def`` accepts."""
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Name):
        return False
    scope = ctx.scope(node.func)
    assignments = scope[node.func.value] if scope is not None else ()
    return bool(assignments) and all(
        isinstance(a, cst.metadata.Assignment) and is_def(a.node) for a in assignments
    )


def is_coroutine_call(ctx: FileContext, node: cst.CSTNode) -> bool:
    """``node`` is a call that provably returns a coroutine object: of a known asyncio coroutine
    function, of a plain name bound only to undecorated, non-generator ``async def``s of this
    file, or of a dotted name the project facts call such a function (``facts.ASYNC``: another
    module's, imported). Methods of unknown receivers and anything else are not proven."""
    if not isinstance(node, cst.Call):
        return False
    if ctx.resolves_to(node.func, ASYNCIO_COROUTINE_FUNCTIONS) or _calls_only(ctx, node, _is_coroutine_function_def):
        return True
    return is_dotted_name(node.func) and ctx.function_kind(node.func) == ASYNC


def is_generator_call(ctx: FileContext, node: cst.CSTNode) -> bool:
    """``node`` calls a plain generator function: a name bound only to undecorated ``def``s of
    this file that ``yield``, or a dotted name the project facts call a generator."""
    if _calls_only(ctx, node, _is_generator_function_def):
        return True
    return isinstance(node, cst.Call) and is_dotted_name(node.func) and ctx.function_kind(node.func) == GENERATOR


def is_loop_from(ctx: FileContext, expr: cst.BaseExpression, getters: Collection[str]) -> bool:
    """``expr`` is the loop one of ``getters`` returns, called with no arguments on the spot
    or bound once to a local of the function being visited (see ``sole_local_assignment``)."""
    if isinstance(expr, cst.Name):
        expr = sole_local_value(ctx, expr)  # type: ignore[assignment]
    return isinstance(expr, cst.Call) and not expr.args and ctx.resolves_to(expr.func, getters)


def is_running_loop(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    """``expr`` is provably the running loop: ``asyncio.get_running_loop()``, or in a
    coroutine ``asyncio.get_event_loop()`` (see ``is_loop_from``)."""
    return is_loop_from(ctx, expr, GET_RUNNING_LOOP | GET_EVENT_LOOP if ctx.in_coroutine() else GET_RUNNING_LOOP)


def bound_to_call(
    ctx: FileContext,
    expr: cst.BaseExpression,
    names: Collection[str],
    is_value: Optional[Callable[[cst.BaseExpression], bool]] = None,
) -> bool:
    """``expr`` is a call to one of ``names``, or a name every binding of which is one (or
    is annotated with one of ``names``, for classes such as ``pathlib.Path``).

    ``is_value`` replaces "a call to one of ``names``" as the test of an assigned value.
    """
    if isinstance(expr, cst.Call):
        return is_call_to(ctx, expr, names)
    values = binding_sources(ctx, expr) if isinstance(expr, cst.Name) and ctx.may_refer_to(names) else None
    return bool(values) and all(
        ctx.resolves_to(declared_type(ctx, v), names)
        if isinstance(v, cst.Annotation)
        else (is_value(v) if is_value is not None else is_call_to(ctx, v, names))
        for v in values  # type: ignore[union-attr]
    )


def declared_type(ctx: FileContext, annotation: cst.Annotation) -> cst.BaseExpression:
    """The class an annotation names, seen through ``Optional[X]``, ``X | None``, ``None | X``."""
    expr = annotation.annotation
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
        if is_literal(expr.right, None):
            return expr.left
        if is_literal(expr.left, None):
            return expr.right
    if (
        isinstance(expr, cst.Subscript)
        and len(expr.slice) == 1
        and isinstance(expr.slice[0].slice, cst.Index)
        and ctx.resolves_to(expr.value, {"typing.Optional"})
    ):
        return expr.slice[0].slice.value
    return expr


def self_attribute_values(
    ctx: FileContext, expr: cst.BaseExpression
) -> Optional[Tuple[cst.BaseExpression, ...]]:
    """For ``self.attr`` in a method: the values of every ``self.attr = value`` in its class.

    ``self`` is the first parameter of the enclosing method, whose parent is a class body,
    or of the method a nested function (a closure over ``self``) is in. None when ``expr`` is
    not such an attribute, or the class assigns it in any other way (augmented, unpacked,
    with another receiver name) or never.
    """
    if not (isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name)):
        return None
    method = receiver_method(ctx, expr.value)
    if method is None:
        return None
    receiver = method.params.params[0].name.value
    cls = ctx.parent(ctx.parent(method))
    if expr.value.value != receiver or not isinstance(cls, cst.ClassDef):
        return None
    stores = _attribute_stores(ctx, cls).get(expr.attr.value, ())
    if not stores or any(value is None or name != receiver for name, value in stores):
        return None
    return tuple(value for _, value in stores)  # type: ignore[misc]


_Stores = Dict[str, List[Tuple[str, Optional[cst.BaseExpression]]]]


@once_per_file
def _stores_by_class(ctx: FileContext) -> Dict[cst.ClassDef, _Stores]:
    return {}


def _attribute_stores(ctx: FileContext, cls: cst.ClassDef) -> _Stores:
    """For each attribute name, every store to ``<name>.attr`` in the class body, in source
    order: ``(name, value)`` for ``name.attr = value`` with a single target, ``(name, None)``
    for any other store (augmented, annotated, unpacked, chained, ``del``) and for any use
    as an element of a display. One walk per class, however many attributes are asked about."""
    known = _stores_by_class(ctx)
    stores = known.get(cls)
    if stores is None:
        stores = known[cls] = {}
        for node in find_all(cls.body, _ATTRIBUTE):
            if not isinstance(node.value, cst.Name):  # type: ignore[attr-defined]
                continue
            store = _store(ctx, node)  # type: ignore[arg-type]
            if store is not False:
                stores.setdefault(node.attr.value, []).append((node.value.value, store))  # type: ignore[attr-defined]
    return stores


def _store(ctx: FileContext, node: cst.Attribute) -> Union[cst.BaseExpression, None, bool]:
    """The value ``node = value`` assigns; None for a store (or an element) that
    ``self_attribute_values`` does not understand; False for a read."""
    parent = ctx.parent(node)
    if isinstance(parent, cst.AssignTarget):
        assign = ctx.parent(parent)
        return assign.value if isinstance(assign, cst.Assign) and len(assign.targets) == 1 else None
    if isinstance(parent, (cst.Element, cst.Del)):
        return None
    if isinstance(parent, (cst.AnnAssign, cst.AugAssign)) and parent.target is node:
        return None
    return False


_ATTRIBUTE = frozenset({cst.Attribute})


_DICT_READS = frozenset({"get", "pop", "keys", "values", "items", "clear"})


def self_dict_values(ctx: FileContext, expr: cst.BaseExpression) -> Optional[List[cst.BaseExpression]]:
    """For ``self.attr`` in a method, a dict: every value it can hold, when each ``self.attr =``
    of its class (``self_attribute_values``) is a dict display without ``**`` and each other
    use of ``self.attr`` there reads it (``self.attr[k]``, ``k in self.attr``, ``len()``,
    ``.get()``, ``.pop()``...), deletes a key or stores ``self.attr[k] = value``: nothing else
    in the class can put a value in it or hand it to code that could. None otherwise."""
    displays = self_attribute_values(ctx, expr)
    if not displays or not all(isinstance(d, cst.Dict) for d in displays):
        return None
    values: List[cst.BaseExpression] = []
    for display in displays:
        if any(not isinstance(e, cst.DictElement) for e in display.elements):  # type: ignore[attr-defined]
            return None
        values += [e.value for e in display.elements]  # type: ignore[attr-defined]
    receiver = expr.value.value  # type: ignore[attr-defined]
    cls = ctx.parent(ctx.parent(receiver_method(ctx, expr.value)))  # type: ignore[arg-type]
    attr = expr.attr.value  # type: ignore[attr-defined]
    uses = [
        node
        for node in find_all(cls, _ATTRIBUTE)
        if node.attr.value == attr and isinstance(node.value, cst.Name) and node.value.value == receiver  # type: ignore[attr-defined]
    ]
    stored = _added_items(ctx, uses, _dict_use)
    return None if stored is None else values + stored


def _dict_use(ctx: FileContext, node: cst.CSTNode) -> Union[cst.BaseExpression, bool]:
    """The value ``node[k] = value`` stores; True for a use that puts nothing in the dict
    ``node`` and hands it to nothing; else False."""
    parent = ctx.parent(node)
    if isinstance(parent, cst.AssignTarget):
        return True  # `self.attr = {...}`: read by self_attribute_values
    if isinstance(parent, cst.Subscript) and parent.value is node:
        holder = ctx.parent(parent)
        if isinstance(holder, cst.AssignTarget):
            assign = ctx.parent(holder)
            return assign.value if isinstance(assign, cst.Assign) and len(assign.targets) == 1 else False
        return not isinstance(holder, (cst.AugAssign, cst.AnnAssign, cst.Element, cst.For, cst.CompFor))
    if isinstance(parent, cst.Attribute) and parent.value is node:
        return parent.attr.value in _DICT_READS and isinstance(ctx.parent(parent), cst.Call)
    if isinstance(parent, cst.ComparisonTarget):
        return isinstance(parent.operator, (cst.In, cst.NotIn))
    return _passive_read(ctx, node, parent)


def receiver_method(ctx: FileContext, name: cst.Name) -> Optional[cst.FunctionDef]:
    """The method whose first parameter ``name`` is, seen from where ``name`` is read: the
    enclosing function's, or through a closure an outer one's; None when it is bound any
    other way or more than once."""
    method = function_of(ctx, name)
    if method is not None and method.params.params and method.params.params[0].name.value == name.value:
        return method  # the common case, without scope analysis
    scope = ctx.scope(name)
    bindings = list(scope[name.value]) if scope is not None else []
    param = getattr(bindings[0], "node", None) if len(bindings) == 1 else None
    if not isinstance(param, cst.Param):
        return None
    function = ctx.parent(ctx.parent(param))
    if not isinstance(function, cst.FunctionDef) or not function.params.params or function.params.params[0] is not param:
        return None
    return function


def is_asyncio_lock(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    """``expr`` is known to be an asyncio Lock, Semaphore, BoundedSemaphore or Condition.

    A name whose every binding is a constructor call, a ``self.attr`` only ever assigned one
    in its class, or a parameter annotated with one of these classes and never rebound.
    """
    if isinstance(expr, cst.Attribute):
        values = self_attribute_values(ctx, expr)
    elif isinstance(expr, cst.Name):
        scope = ctx.scope(expr)
        params = [getattr(b, "node", None) for b in (scope[expr.value] if scope is not None else ())]
        if len(params) == 1 and isinstance(params[0], cst.Param) and params[0].annotation is not None:
            return ctx.resolves_to(params[0].annotation.annotation, ASYNCIO_LOCKS)
        values = binding_values(ctx, expr)
    elif isinstance(expr, cst.Subscript):
        values = self_dict_values(ctx, expr.value)
    else:
        return False
    return bool(values) and all(is_call_to(ctx, value, ASYNCIO_LOCKS) for value in values)


# What values a name can hold: four answers that differ on purpose; a rule's safety
# argument rests on the one it uses:
#   binding_values         every binding the name's scope sees: `x = v` and `x: T = v` only
#   binding_sources        the same bindings, also parameters, `with v as x` and chained
#                          `a = x = v`; an annotated one gives its annotation, not its value
#   reaching_local_values  only the enclosing function's own `x = v`s that precede the read
#   sole_local_assignment  the one `=` statement binding the name in the def being visited
#                          (`sole_local_value` when the name is its whole target)
# All of them read a binding through `assignment_of` (`single_target_value` for a plain `x = v`).


def assignment_of(ctx: FileContext, target: Optional[cst.CSTNode]) -> Union[cst.Assign, cst.AnnAssign, None]:
    """The statement in which ``target`` (the node a scope binding records) is a whole target:
    ``target = value`` (also chained, ``a = target = value``) or ``target: T = value``.
    None for any other binding: unpacking, a bare annotation, ``for``, ``with``, import, walrus."""
    parent = ctx.parent(target) if isinstance(target, cst.Name) else None
    if isinstance(parent, cst.AssignTarget):
        return ctx.parent(parent)  # type: ignore[return-value]
    if isinstance(parent, cst.AnnAssign) and parent.target is target and parent.value is not None:
        return parent
    return None


def single_target_value(ctx: FileContext, target: Optional[cst.CSTNode]) -> Optional[cst.BaseExpression]:
    """``value`` of ``target = value`` (``target`` the node a scope binding records) with no
    other target; else None."""
    statement = assignment_of(ctx, target)
    return statement.value if isinstance(statement, cst.Assign) and len(statement.targets) == 1 else None


_NOT_UNDERSTOOD = object()


def _read_bindings(
    ctx: FileContext, name: cst.Name, read: Callable[[Optional[cst.CSTNode]], object]
) -> Optional[list]:
    """``read(node)`` for the node of every binding ``name`` can refer to where it stands
    (``scope[name]``, so through ``global``/``nonlocal`` and at module level too); None when
    the name is unbound here or ``read`` gives ``_NOT_UNDERSTOOD`` for a binding."""
    scope = ctx.scope(name)
    bindings = scope[name.value] if scope is not None else ()
    if not bindings:
        return None
    values = []
    for binding in bindings:
        value = read(getattr(binding, "node", None))
        if value is _NOT_UNDERSTOOD:
            return None
        values.append(value)
    return values


def binding_values(ctx: FileContext, name: cst.Name) -> Optional[Tuple[cst.BaseExpression, ...]]:
    """The values of every binding ``name`` can refer to where it stands (see ``_read_bindings``).

    Only when each binding is a plain ``name = value`` / ``name: T = value`` with a single
    target; None when any is something else (parameter, import, loop target, ``+=``,
    tuple unpacking, walrus...) or the name is unbound here.
    """

    def value(node: Optional[cst.CSTNode]) -> object:
        statement = assignment_of(ctx, node)
        if statement is None or isinstance(statement, cst.Assign) and len(statement.targets) != 1:
            return _NOT_UNDERSTOOD
        return statement.value

    values = _read_bindings(ctx, name, value)
    return tuple(values) if values is not None else None


def binding_sources(ctx: FileContext, name: cst.Name) -> Optional[list]:
    """What each binding of ``name`` visible here assigns, or None if one is not understood.

    The bindings of ``binding_values``, read more leniently: ``x = value`` (also chained)
    and ``with value as x`` give ``value``; a parameter and ``x: T = value`` give the
    ``cst.Annotation`` (None when unannotated), the declared type. Loops, unpacking,
    imports and the like make the answer None.
    """

    def source(node: Optional[cst.CSTNode]) -> object:
        statement = assignment_of(ctx, node)
        holder = ctx.parent(node) if isinstance(node, cst.Name) else None
        if isinstance(node, cst.Param):
            return node.annotation
        if isinstance(statement, cst.Assign):
            return statement.value
        if isinstance(statement, cst.AnnAssign):
            return statement.annotation
        if isinstance(holder, cst.AsName) and isinstance(ctx.parent(holder), cst.WithItem):
            return ctx.parent(holder).item  # type: ignore[union-attr]
        return _NOT_UNDERSTOOD

    return _read_bindings(ctx, name, source)


def reaching_local_values(ctx: FileContext, name: cst.CSTNode) -> Optional[Tuple[cst.BaseExpression, ...]]:
    """The values a function-local ``name`` (a Name being read) can hold at this read.

    Stricter than ``binding_values``: only the assignments libcst says reach the read (the
    function's own bindings before it in the source), each a plain single-target
    ``name = value`` in the same function; None for a name of an enclosing or the module
    scope, a parameter, an annotated assignment, or anything else.
    """
    scope = ctx.scope(name)
    if not isinstance(name, cst.Name) or scope is None or not isinstance(scope, cst.metadata.FunctionScope):
        return None
    accesses = [a for a in scope.accesses[name.value] if a.node is name]
    if len(accesses) != 1 or not accesses[0].referents:
        return None
    values = []
    for assignment in accesses[0].referents:
        own = getattr(assignment, "scope", None) is scope
        value = single_target_value(ctx, getattr(assignment, "node", None)) if own else None
        if value is None:
            return None
        values.append(value)
    return tuple(values)


def _sole_local_target(ctx: FileContext, name: cst.Name) -> Optional[cst.Name]:
    """The target of the one plain assignment binding ``name``, when it is made in the def
    whose body is being visited (so not for parameters, globals, names bound twice or by
    ``for``/``with``/``import``, nor uses in nested functions)."""
    func = innermost_def(ctx)
    scope = ctx.scope(name)
    if func is None or scope is None:
        return None
    assignments = list(scope[name.value])
    if len(assignments) != 1 or type(assignments[0]) is not cst.metadata.Assignment:
        return None
    (assignment,) = assignments
    target = assignment.node
    owner = getattr(assignment.scope, "node", None)
    return target if owner is func and isinstance(target, cst.Name) else None


def sole_local_assignment(ctx: FileContext, name: cst.Name) -> Optional[Tuple[cst.Assign, cst.Name]]:
    """The one ``Assign`` that binds ``name`` in the function whose body holds it, with the
    target ``Name`` it binds (also inside a tuple target); see ``_sole_local_target``."""
    target = _sole_local_target(ctx, name)
    if target is None:
        return None
    node: Optional[cst.CSTNode] = ctx.parent(target)
    while isinstance(node, (cst.Element, cst.Tuple, cst.List, cst.AssignTarget)):
        node = ctx.parent(node)
    return (node, target) if isinstance(node, cst.Assign) and len(node.targets) == 1 else None


def sole_local_value(ctx: FileContext, name: cst.Name) -> Optional[cst.BaseExpression]:
    """The value of ``name = value`` when that is the sole local assignment of ``name``
    (``sole_local_assignment``) and ``name`` its whole target."""
    return single_target_value(ctx, _sole_local_target(ctx, name))


_ADDING_METHODS = frozenset({"append", "add"})
_LEN = frozenset({"builtins.len"})


def collection_items(ctx: FileContext, name: cst.Name) -> Optional[List[cst.BaseExpression]]:
    """Every expression whose value the local list, set or tuple ``name`` (a read) can hold:
    the elements of each binding (a display without ``*``, or a list or set comprehension: its
    element expression) and the argument of each ``name.append(x)`` / ``name.add(x)``.

    None unless each binding is a plain ``name = ...`` of such a value in the function's own
    scope, and every other read of the name only appends, adds, tests its truth or takes its
    ``len``: nothing else can put an item in it, and it is a list, set or tuple wherever read.
    """
    scope = ctx.scope(name)
    assignments = list(scope[name.value]) if isinstance(scope, cst.metadata.FunctionScope) else []
    if not assignments:
        return None
    items: List[cst.BaseExpression] = []
    for assignment in assignments:
        if type(assignment) is not cst.metadata.Assignment or assignment.scope is not scope:
            return None
        value = single_target_value(ctx, assignment.node)
        if isinstance(value, (cst.ListComp, cst.SetComp)):
            items.append(value.elt)
        elif isinstance(value, (cst.List, cst.Set, cst.Tuple)):
            if any(isinstance(e, cst.StarredElement) for e in value.elements):
                return None
            items += [e.value for e in value.elements]
        else:
            return None
        added = _added_items(ctx, [a.node for a in assignment.references if a.node is not name], _collection_use)
        if added is None:
            return None
        items += added
    return items


def _added_items(
    ctx: FileContext, uses: Iterable[cst.CSTNode], use: Callable[[FileContext, cst.CSTNode], Union[cst.BaseExpression, bool]]
) -> Optional[List[cst.BaseExpression]]:
    """What the ``uses`` of a container put in it, by ``use`` (an item, True for nothing, False
    for a use that may do anything); None when one may."""
    found = []
    for node in uses:
        added = use(ctx, node)
        if added is False:
            return None
        if added is not True:
            found.append(added)
    return found  # type: ignore[return-value]


def _passive_read(ctx: FileContext, node: cst.CSTNode, parent: Optional[cst.CSTNode]) -> bool:
    """``if node:``, ``while node:``, ``not node`` or ``len(node)``: a read that cannot change
    the container ``node`` or hand it on."""
    if isinstance(parent, (cst.If, cst.While)):
        return parent.test is node
    if isinstance(parent, cst.UnaryOperation):
        return isinstance(parent.operator, cst.Not)
    plain_arg = isinstance(parent, cst.Arg) and parent.keyword is None and not parent.star
    call = ctx.parent(parent) if plain_arg else None  # type: ignore[arg-type]
    return isinstance(call, cst.Call) and len(call.args) == 1 and is_call_to(ctx, call, _LEN)


def _collection_use(ctx: FileContext, node: cst.CSTNode) -> Union[cst.BaseExpression, bool]:
    """The item that ``node.append(item)`` / ``node.add(item)`` adds; True for a read that
    cannot change or hand on the collection (``if node:``, ``not node``, ``len(node)``); else False."""
    parent = ctx.parent(node)
    if isinstance(parent, cst.Attribute) and parent.value is node and parent.attr.value in _ADDING_METHODS:
        call = ctx.parent(parent)
        if isinstance(call, cst.Call) and call.func is parent and len(call.args) == 1:
            arg = call.args[0]
            return arg.value if arg.keyword is None and not arg.star else False
        return False
    return _passive_read(ctx, node, parent)


# pathlib.Path values: two tests that differ on purpose (see each rule's Limitations):
# AIO302 follows what a path expression is built from, AIO303 what a name is declared or
# bound to.
_PATH_RETURNING = {"absolute", "expanduser", "joinpath", "resolve", "with_name", "with_stem", "with_suffix"}


def is_built_pathlib_path(ctx: FileContext, expr: cst.BaseExpression, depth: int = 0) -> bool:
    """``expr`` is certainly a ``pathlib.Path`` by how it is built: ``Path(...)``,
    ``path / "x"``, ``path.with_suffix(...)``, ``path.parent``, or a local assigned only
    from such expressions before the read (``reaching_local_values``; parameters never)."""
    if depth > 5:
        return False
    if isinstance(expr, cst.Call):
        if is_call_to(ctx, expr, PATHLIB_PATHS):
            return True
        func = expr.func
        return (
            isinstance(func, cst.Attribute)
            and func.attr.value in _PATH_RETURNING
            and is_built_pathlib_path(ctx, func.value, depth + 1)
        )
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide):
        return is_built_pathlib_path(ctx, expr.left, depth + 1)
    if isinstance(expr, cst.Attribute) and expr.attr.value == "parent":
        return is_built_pathlib_path(ctx, expr.value, depth + 1)
    values = reaching_local_values(ctx, expr) if isinstance(expr, cst.Name) else None
    return bool(values) and all(is_built_pathlib_path(ctx, v, depth + 1) for v in values)  # type: ignore[union-attr]


def is_bound_pathlib_path(ctx: FileContext, expr: cst.BaseExpression, _depth: int = 0) -> bool:
    """``expr`` is a ``pathlib.Path`` by what its names are bound to: ``Path(...)``,
    ``<such a path> / part``, or a name every binding of which (``binding_sources``, any
    scope) is such a path or declares the type ``Path`` (an annotated parameter)."""
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide):
        return is_bound_pathlib_path(ctx, expr.left, _depth)  # `p = p / "x"`: the depth bounds it
    if isinstance(expr, cst.Name) and _depth < 4:
        return bound_to_call(ctx, expr, PATHLIB_PATHS, lambda value: is_bound_pathlib_path(ctx, value, _depth + 1))
    return is_call_to(ctx, expr, PATHLIB_PATHS)


def local_reads(ctx: FileContext, name: cst.Name) -> Optional[list]:
    """Every read of the function-local ``name`` (nested functions' reads too), over all its
    bindings; None when it is not a local of a function (a parameter counts as one,
    ``global``/``nonlocal`` names do not)."""
    scope = ctx.scope(name)
    if not isinstance(scope, cst.metadata.FunctionScope) or name.value not in scope.assignments:
        return None
    bindings = scope[name.value]
    if any(binding.scope is not scope for binding in bindings):
        return None
    return [access.node for binding in bindings for access in binding.references]
