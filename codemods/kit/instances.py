"""What class an expression's value is certainly an instance of, and which of that class's
methods return something ``await`` takes.

Known classes are asyncio's own (by the documented contract of each: ``Queue.get`` is a
coroutine function, the loop the asyncio getters return is an ``AbstractEventLoop``) and the
classes of the project (``ctx.facts()``: their methods and bases, read with ``ast``).

Hazard: an answer is a proof, never a guess. A value is known only when every binding of the
name (or every assignment of ``self.attr`` in its class) makes an instance of the same class
by calling it or an asyncio function documented to return one; anything else is None.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, FrozenSet, Optional, Tuple

import libcst as cst

from ..facts import ASYNC, COROUTINE, GENERATOR, PLAIN, RETURNS_AWAITABLE
from .names import asyncio_names
from .scope import function_of
from .values import binding_values, receiver_method, self_attribute_values

if TYPE_CHECKING:
    from ..context import FileContext

FUTURE = "asyncio.Future"
LOOP = "asyncio.AbstractEventLoop"
_LOOP_COROUTINES = frozenset({
    "shutdown_asyncgens", "shutdown_default_executor", "getaddrinfo", "getnameinfo", "create_connection",
    "create_server", "sendfile", "start_tls", "create_unix_connection", "create_unix_server",
    "connect_accepted_socket", "create_datagram_endpoint", "connect_read_pipe", "connect_write_pipe",
    "subprocess_shell", "subprocess_exec", "sock_recv", "sock_recv_into", "sock_sendall", "sock_connect",
    "sock_accept", "sock_sendfile",
    "run_in_executor", "create_future", "create_task",  # these return a future, as awaitable
})
# asyncio classes: the methods whose call can be awaited (coroutine functions, or returning a future).
AWAITABLE_METHODS: Dict[str, FrozenSet[str]] = {
    "asyncio.Lock": frozenset({"acquire"}),
    "asyncio.Semaphore": frozenset({"acquire"}),
    "asyncio.BoundedSemaphore": frozenset({"acquire"}),
    "asyncio.Condition": frozenset({"acquire", "wait", "wait_for"}),
    "asyncio.Event": frozenset({"wait"}),
    "asyncio.Queue": frozenset({"get", "put", "join"}),
    "asyncio.PriorityQueue": frozenset({"get", "put", "join"}),
    "asyncio.LifoQueue": frozenset({"get", "put", "join"}),
    "asyncio.StreamReader": frozenset({"read", "readline", "readexactly", "readuntil"}),
    "asyncio.StreamWriter": frozenset({"drain", "wait_closed"}),
    "asyncio.subprocess.Process": frozenset({"wait", "communicate"}),
    "asyncio.Server": frozenset({"start_serving", "serve_forever", "wait_closed"}),
    FUTURE: frozenset(),
    LOOP: _LOOP_COROUTINES,
}
_CONSTRUCTED = {name: asyncio_names(name.rpartition(".")[2]) for name in AWAITABLE_METHODS if name.count(".") == 1}
_RETURNING = {
    FUTURE: asyncio_names("ensure_future", "create_task", "Task", "gather", "shield", "wrap_future", "Future"),
    LOOP: asyncio_names("get_event_loop", "get_running_loop", "new_event_loop"),
}
# Decorators under which a method's first parameter is still the instance.
_INSTANCE_METHOD_DECORATORS = asyncio_names("coroutine") | {"types.coroutine", "abc.abstractmethod"}
# Whether calling a function of each kind gives something to await.
_AWAITABLE_KINDS = {ASYNC: True, COROUTINE: True, RETURNS_AWAITABLE: True, GENERATOR: False}
_CLASS_METHOD_DECORATORS = _INSTANCE_METHOD_DECORATORS | {"builtins.classmethod"}
_LOOP_RETURNING_FUTURES = frozenset({"run_in_executor", "create_future", "create_task"})
# What awaiting a call of these gives, element by element for a tuple.
_AWAITED: Dict[str, Tuple[str, ...]] = {
    **{name: ("asyncio.StreamReader", "asyncio.StreamWriter") for name in asyncio_names("open_connection", "open_unix_connection")},
    **{name: ("asyncio.subprocess.Process",) for name in asyncio_names("create_subprocess_exec", "create_subprocess_shell")},
    **{name: ("asyncio.Server",) for name in asyncio_names("start_server", "start_unix_server")},
}


def instance_of(ctx: FileContext, expr: cst.BaseExpression, _depth: int = 0) -> Optional[str]:
    """The qualified name of the class ``expr`` is certainly an instance of (an asyncio class
    of ``AWAITABLE_METHODS`` or a class of the project), or None."""
    if _depth > 3:
        return None
    if isinstance(expr, cst.Call):
        return _made_by(ctx, expr, _depth)
    awaited = _awaited_call(expr)
    if awaited is not None:
        for callee, classes in _AWAITED.items():
            if len(classes) == 1 and ctx.resolves_to(awaited.func, {callee}):
                return classes[0]
        return _returned(ctx, awaited, (ASYNC, COROUTINE), _depth)
    if isinstance(expr, cst.Name):
        own = _receiver_class(ctx, expr)
        if own is not None:
            return own
        values = binding_values(ctx, expr)
        if values is None:
            return _unpacked_from_awaited(ctx, expr)
    elif isinstance(expr, cst.Attribute):
        values = self_attribute_values(ctx, expr)
    else:
        return None
    classes = {instance_of(ctx, value, _depth + 1) for value in values or ()}
    return classes.pop() if len(classes) == 1 else None


def receiver_classes(ctx: FileContext, expr: cst.BaseExpression) -> Optional[FrozenSet[str]]:
    """The classes the receiver of a method call is certainly an instance of one of: as
    ``instance_of``, but a name or ``self.attr`` may be bound to instances of several classes,
    and to ``None`` (``None.method()`` raises ``AttributeError`` before the call gives
    anything to await or iterate, so it decides nothing). None when a value is not known."""
    if isinstance(expr, cst.Name) and _class_receiver(ctx, expr) is not None:
        return frozenset({_class_receiver(ctx, expr)})  # type: ignore[arg-type]
    if isinstance(expr, cst.Name) and _receiver_class(ctx, expr) is None:
        values = binding_values(ctx, expr)
    elif isinstance(expr, cst.Attribute):
        values = self_attribute_values(ctx, expr)
    else:
        values = None
    if values is None:
        cls = instance_of(ctx, expr)
        return frozenset({cls}) if cls is not None else None
    classes = {instance_of(ctx, value, 1) for value in values if not _is_none(ctx, value)}
    return frozenset(classes) if classes and None not in classes else None  # type: ignore[arg-type]


def super_method_is_awaitable(ctx: FileContext, func: cst.Attribute) -> Optional[bool]:
    """For ``super().method`` written in a plain method (or classmethod) of a module-level
    class: ``method_is_awaitable`` for the method the class's bases give, the next class of
    its method resolution order that binds the name. A subclass whose order puts another
    class between them would change that, as an override changes what ``self.method`` runs."""
    call = func.value
    if not (isinstance(call, cst.Call) and not call.args and ctx.resolves_to(call.func, {"builtins.super"})):
        return None
    method = function_of(ctx, call)
    cls = own_class(ctx, method)
    if cls is None or not _fully_known(ctx, cls):
        return None
    kind = ctx.facts().method_kind(cls, func.attr.value, above=True)
    return _AWAITABLE_KINDS.get(kind or "")


def methods_are_awaitable(ctx: FileContext, classes: FrozenSet[str], method: str) -> Optional[bool]:
    """``method_is_awaitable`` for an instance of any of ``classes``: False when one of them
    has it as a plain generator, True when all have it awaitable, else None."""
    verdicts = {method_is_awaitable(ctx, cls, method) for cls in classes}
    return False if False in verdicts else True if verdicts == {True} else None


def _is_none(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None" and ctx.qualified_names(expr) <= {"builtins.None"}


def method_is_awaitable(ctx: FileContext, cls: str, method: str) -> Optional[bool]:
    """Whether calling ``method`` on an instance of ``cls`` gives something to await: True for
    a coroutine function (or one returning a future), False for a plain generator function
    of the project, None when not known."""
    if cls in AWAITABLE_METHODS:
        return True if method in AWAITABLE_METHODS[cls] else None
    kind = ctx.facts().method_kind(cls, method)
    return _AWAITABLE_KINDS.get(kind or "")


def is_inert_value(ctx: FileContext, expr: cst.BaseExpression, _depth: int = 0) -> bool:
    """``expr`` is certainly neither a future, nor a generator, nor awaitable: a literal, a
    display or comprehension, a lambda, an instance of a project class none of whose classes
    defines ``__await__`` or ``_asyncio_future_blocking``, or a name only ever bound to such."""
    if isinstance(expr, (cst.BaseNumber, cst.BaseString, cst.Lambda, cst.Dict, cst.List, cst.Set, cst.Tuple,
                         cst.DictComp, cst.ListComp, cst.SetComp)):
        return True
    if isinstance(expr, cst.Name) and expr.value in ("None", "True", "False"):
        return ctx.qualified_names(expr) <= {f"builtins.{expr.value}"}
    cls = instance_of(ctx, expr, _depth) if _depth <= 3 else None
    if cls is not None and cls not in AWAITABLE_METHODS:
        return ctx.facts().instances_awaitable(cls) is False
    if isinstance(expr, cst.Name) and _class_receiver(ctx, expr) is not None:
        return frozenset({_class_receiver(ctx, expr)})  # type: ignore[arg-type]
    if isinstance(expr, cst.Name) and _receiver_class(ctx, expr) is None:
        values = binding_values(ctx, expr)
        return bool(values) and all(is_inert_value(ctx, v, _depth + 1) for v in values)  # type: ignore[union-attr]
    return False


def own_class(ctx: FileContext, method: Optional[cst.FunctionDef]) -> Optional[str]:
    """The qualified name of the module-level class whose body defines ``method``."""
    block = ctx.parent(method) if method is not None else None
    cls = ctx.parent(block) if block is not None else None
    if not isinstance(cls, cst.ClassDef) or ctx.parent(cls) is not ctx.module:
        return None
    module = ctx.facts().module
    return f"{module}.{cls.name.value}" if module else cls.name.value


def _receiver_class(ctx: FileContext, name: cst.Name) -> Optional[str]:
    """For ``self`` (the first parameter of a plain method, never rebound; also in a nested
    function of the method): its class."""
    method = receiver_method(ctx, name)
    if method is None:
        return None
    if name.value in ("cls", "mcs", "metacls") or not all(
        ctx.resolves_to(d.decorator, _INSTANCE_METHOD_DECORATORS) for d in method.decorators
    ):
        return None  # a classmethod's or staticmethod's first parameter is no instance
    scope = ctx.scope(name)
    if scope is None or len(scope[name.value]) != 1:
        return None
    return own_class(ctx, method)


def _class_receiver(ctx: FileContext, name: cst.Name) -> Optional[str]:
    """For ``cls`` (the first parameter of a classmethod, never rebound): its class, or a
    subclass of it, whose methods it finds as the class's own would."""
    method = receiver_method(ctx, name)
    if method is None or not any(ctx.resolves_to(d.decorator, {"builtins.classmethod"}) for d in method.decorators):
        return None
    if not all(ctx.resolves_to(d.decorator, _CLASS_METHOD_DECORATORS) for d in method.decorators):
        return None
    scope = ctx.scope(name)
    if scope is None or len(scope[name.value]) != 1:
        return None
    return own_class(ctx, method)


def _made_by(ctx: FileContext, call: cst.Call, depth: int) -> Optional[str]:
    for cls, names in _CONSTRUCTED.items():
        if ctx.resolves_to(call.func, names):
            return cls
    for cls, names in _RETURNING.items():
        if ctx.resolves_to(call.func, names):
            return cls
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in _LOOP_RETURNING_FUTURES:
        return FUTURE if instance_of(ctx, func.value, depth + 1) == LOOP else None
    names = ctx.qualified_names(func)
    if not names:
        return _returned(ctx, call, (PLAIN,), depth)
    facts = ctx.facts()
    classes = {facts.absolute(name) for name in names}
    if len(classes) != 1 or None in classes:
        return None
    (cls,) = classes
    if not facts.is_class(cls):  # type: ignore[arg-type]
        return _returned(ctx, call, (PLAIN,), depth)
    return cls if _fully_known(ctx, cls) else None  # type: ignore[arg-type]


def _fully_known(ctx: FileContext, cls: str) -> bool:
    """Every class of ``cls``'s method resolution order is known: a class with a base nothing
    is known of may have a metaclass that makes calling it return something else."""
    mro = ctx.facts().mro(cls)
    return mro is not None and all(known is not None for _, known in mro)


def _returned(ctx: FileContext, call: cst.Call, kinds: Tuple[str, ...], depth: int) -> Optional[str]:
    """The class of what calling (for a coroutine function, awaiting) ``call`` gives, when
    its callee, of one of ``kinds``, returns a new instance of one class on every path (the
    project's facts); for a generator-based coroutine only an inert one, as its decorator
    awaited an awaitable it returned."""
    function = _callee_function(ctx, call.func, depth)
    facts = ctx.facts()
    kind = facts.kind_of(function) if function is not None else None
    cls = facts.returned_class(function) if kind in kinds else None  # type: ignore[arg-type]
    if cls is None or not _fully_known(ctx, cls):
        return None
    if kind == COROUTINE and facts.instances_awaitable(cls) is not False:
        return None
    return cls


def _callee_function(ctx: FileContext, func: cst.BaseExpression, depth: int) -> Optional[str]:
    """The project function ``func`` calls: by its qualified name, or a method of a value
    whose class is known."""
    facts = ctx.facts()
    if isinstance(func, cst.Attribute):
        cls = instance_of(ctx, func.value, depth + 1)
        if cls is not None and cls not in AWAITABLE_METHODS:
            return facts.method_of(cls, func.attr.value)
    names = {facts.absolute(name) for name in ctx.qualified_names(func)}
    return names.pop() if len(names) == 1 else None


def _awaited_call(expr: cst.BaseExpression) -> Optional[cst.Call]:
    """The call in ``await f(...)`` or ``yield from f(...)``."""
    if isinstance(expr, cst.Yield) and isinstance(expr.value, cst.From):
        inner = expr.value.item
    elif isinstance(expr, cst.Await):
        inner = expr.expression
    else:
        return None
    return inner if isinstance(inner, cst.Call) else None


def _unpacked_from_awaited(ctx: FileContext, name: cst.Name) -> Optional[str]:
    """``reader`` in the one ``reader, writer = await asyncio.open_connection(...)`` (or
    ``yield from``) that binds it."""
    scope = ctx.scope(name)
    bindings = list(scope[name.value]) if scope is not None else []
    if len(bindings) != 1:
        return None
    target = getattr(bindings[0], "node", None)
    element = ctx.parent(target) if isinstance(target, cst.Name) else None
    pair = ctx.parent(element) if isinstance(element, cst.Element) else None
    holder = ctx.parent(pair) if isinstance(pair, (cst.Tuple, cst.List)) else None
    assign = ctx.parent(holder) if isinstance(holder, cst.AssignTarget) else None
    if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
        return None
    value = _awaited_call(assign.value)
    if value is None or any(isinstance(e, cst.StarredElement) for e in pair.elements):  # type: ignore[union-attr]
        return None
    for callee, classes in _AWAITED.items():
        if ctx.resolves_to(value.func, {callee}) and len(classes) == len(pair.elements):  # type: ignore[union-attr]
            return classes[pair.elements.index(element)]  # type: ignore[union-attr, arg-type]
    return None
