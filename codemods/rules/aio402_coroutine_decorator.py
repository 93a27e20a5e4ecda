from typing import List, Optional, Set, Tuple

import libcst as cst
from ..lazy import matchers as m

from ..facts import BARE, GENERATOR_METHODS, ITERATED, ITERATORS, MARKS_COROUTINES, SCHEDULERS
from ..kit.awaitables import GENERATOR_CALL, LOCK, UNKNOWN, certainly_awaitable, is_coroutine_def, operand_kind
from ..kit.instances import AWAITABLE_METHODS, instance_of, is_inert_value
from ..kit.names import asyncio_names
from ..kit.scope import function_of
from ..kit.syntax import async_with_over, count_comments, shift_aligned_lines
from ..kit.versions import dead_version_branch
from ..model import Safety
from ..rule import Rule
from ..traversal import find_all

DECORATOR = asyncio_names("coroutine")
STACKABLE = {"builtins.staticmethod", "builtins.classmethod", "abc.abstractmethod"}
BELOW = {"abc.abstractmethod"}
_DEFS_AND_CALLS = frozenset({cst.FunctionDef, cst.Call})
_YIELDS, _YIELDS_AND_RETURNS, _COMMENTS = frozenset({cst.Yield}), frozenset({cst.Yield, cst.Return}), frozenset({cst.Comment})
_SCOPES = frozenset({cst.FunctionDef, cst.Lambda, cst.ClassDef})  # what own_nodes does not enter
HOLDERS = (cst.Element, cst.StarredElement, cst.List, cst.Tuple, cst.Set, cst.ListComp, cst.SetComp, cst.GeneratorExp)


class CoroutineDecorator(Rule):
    """Turn ``@asyncio.coroutine`` generators into ``async def`` with ``await``.

    ## Why
    Generator-based coroutines were deprecated in 3.8 and ``asyncio.coroutine`` was removed in
    3.11 (``AttributeError`` at import time). ``async def`` with ``await`` in place of each
    ``yield from`` is the same coroutine in native form.

    ## Fix safety
    Callers that ``await`` it, ``yield from`` it inside another ``@asyncio.coroutine`` or
    ``@types.coroutine`` function, or hand it to ``ensure_future``/``gather``/``run`` keep
    working unchanged, and so does ``yield from`` it in a plain generator whose decorator (a
    project function, by the facts) does nothing with it but hand it to ``asyncio.coroutine``
    (which flags it, before it runs, as a coroutine that may ``yield from`` an ``async def``'s)
    and to ``functools.wraps``. Example: `fixtures/aio402_coroutine_decorator/runs_yielded_from_by_a_marked_generator`.
    A pytest mark, above or below the decorator, records itself on the function and hands it
    back; ``asyncio.coroutine`` keeps that function (debug mode: a wrapper that copies its
    attributes), so the ``async def`` carries the same marks (`pytest_marks_below`, collected by
    pytest 9 on 3.10 with and without ``PYTHONASYNCIODEBUG`` and on 3.12: the same marks).
    A caller that iterates the call (``for``, ``next``, ``.send``), or that
    uses ``yield from`` in an undecorated generator, would break: such callers in the same
    file make the site report-only, and so do such calls of it from other modules of the
    project (the CLI's project facts: calls of names they import, so not method calls on
    objects of another module, which cannot be seen). So does a caller, here or there,
    that neither awaits the call, ``yield from``-s it nor hands it to a scheduler
    (``ensure_future``, ``gather``, ``wait``, ``run_until_complete``, ...), say ``return noop()``
    from a plain ``release()``: an ``async def`` left unawaited warns "coroutine ... was never
    awaited" where the generator did nothing, a certain change rather than a possible one, so
    not an unsafe fix either. Protocol methods (``__await__``, ``__iter__``, ``__anext__``, any
    dunder) are never converted: with ``__iter__ = __await__``, ``yield from obj`` needs a
    generator, and an ``async def`` one raises ``TypeError``.
    ``await`` accepts fewer operands than ``yield from``: a plain (undecorated) generator is
    not awaitable. An operand is trusted when it is proven awaitable: a call of an asyncio
    API; of a function of this file or of another module of the project (the CLI's project
    facts) that is ``async def`` or decorated as a coroutine; of a method, found as Python
    finds it (the class's own, else along its bases in the project), on ``self`` or on a value
    whose class is known, because every binding of the name (or every ``self.attr =`` of its
    class) calls that class: a project class, or an asyncio one whose method is a coroutine
    function (``Queue.get``, ``Event.wait``, ``StreamReader.readline``, the coroutine methods
    of the loop ``get_running_loop()`` returns), or a value a project function or coroutine
    returns when every ``return`` of it makes a new instance of one class (``conn = yield from
    connect()``); or a future bound the same way (``loop.create_future()``,
    ``asyncio.ensure_future(...)``). Example: `fixtures/aio402_coroutine_decorator/runs_returned_instances`. A method call on ``self`` is
    taken to run the method of the class it is written in (a subclass overriding it with a
    plain generator would break that, as it breaks the caller's own ``await``).
    Example: `fixtures/aio402_coroutine_decorator/runs_asyncio_typed_receivers`.
    So is ``cls.method()`` in a classmethod, and ``super().method()`` runs the method the
    next class of the method resolution order has (by the project facts; a subclass that
    puts another class in between would change it, as an override does).
    Example: `fixtures/aio402_coroutine_decorator/runs_classmethod_and_super`. A receiver
    whose bindings make instances of several known classes (or ``None``, whose method call
    raises ``AttributeError`` before anything is awaited, either way) is trusted when every
    class has the method as a coroutine function.
    Example: `fixtures/aio402_coroutine_decorator/runs_receiver_of_several_classes`. A plain
    function or method counts as a coroutine function when every path through it ends in
    ``return`` of a call of an asyncio coroutine or future maker (``wait_for``, ``shield``,
    ``sleep``, ``ensure_future``...) or of a coroutine function of its module (``self.method()``
    of its class, or a module-level one); so does a method under a decorator of its module
    that returns a generator-based coroutine function of its own (``@asyncio.coroutine def
    wrapper``). Example: `fixtures/aio402_coroutine_decorator/runs_method_wrapped_by_a_coroutine_decorator`.
    Example: `fixtures/aio402_coroutine_decorator/runs_plain_function_returning_awaitable`.
    A call of a plain generator (of this file, the project, or inherited) makes the site
    report-only; ``acquire()``/``wait()`` of a known asyncio lock is trusted, and ``with
    (yield from lock):`` over a known asyncio lock (see AIO403) becomes ``async with lock:``;
    a subscript of a ``self.attr`` dict whose every value is such a lock is one too (see AIO403);
    any other operand (a parameter's ``reader.read()``, a future in a variable of unknown
    origin) makes the fix unsafe; the unsafe fix turns ``with (yield from x):`` over an
    unknown ``x`` into ``async with x:`` (right for an asyncio lock, whose ``await`` raises
    ``TypeError`` since 3.9; an object whose ``yield from`` gave a context manager needs
    ``__aenter__`` instead) and ``with (yield from x) as y:`` into ``with (await x) as y:``
    (right for such an object, a pool; wrong for a lock). A function without ``yield from`` is converted only when
    everything it returns is either provably no future and not awaitable (the decorator awaited a
    returned awaitable, an ``async def`` returns it as it is): literals, displays, lambdas,
    ``None``, and instances of project classes none of whose classes defines ``__await__`` or
    ``_asyncio_future_blocking``. Example: `fixtures/aio402_coroutine_decorator/runs_returns_plain_instances`.
    Or a proven awaitable (as above), which becomes ``return await x``, what the decorator did
    with it; such a ``return`` counts as running the call.
    Example: `fixtures/aio402_coroutine_decorator/runs_returned_awaitable_is_awaited`.

    ## Limitations
    Left alone and reported: a bare ``yield`` or ``yield value``, a function without
    ``yield from`` that returns a value not proven inert (above), other
    decorators than ``staticmethod``/``classmethod``/``abstractmethod`` and pytest marks
    stacked above it or any but ``abstractmethod`` and pytest marks below it, ``asyncio.coroutine(func)`` called rather than used as a decorator, and a
    decorator line holding a comment. A call of ``asyncio.coroutine()`` inside ``if
    sys.version_info < (3, 5, 3):`` (or another ``sys.version_info`` test false on the target
    and every later Python, with no ``else``) is dead code there and on 3.10: the branch is
    removed, an unsafe fix when it holds comments, which go with it.
    Example: `fixtures/aio402_coroutine_decorator/drops_dead_version_branch`. ``yield from`` inside a nested function belongs to that
    function. Signature lines aligned with the opening parenthesis move right with it (six
    columns, for ``async ``); a hanging indent stays; a signature indented with tabs is not
    re-aligned.
    """

    code = "AIO402"
    name = "generator-based-coroutine"
    min_python = (3, 5)
    safety = Safety.SAFE
    trigger_words = ("coroutine",)
    anchors = tuple(DECORATOR)
    facts_words = ("yield from", "coroutine")

    def visit_Module(self, node: cst.Module) -> None:
        # (class, name) of functions whose calls are used as generators; class None: any class
        # or none (a plain name, or a method called on something other than self/cls)
        self._iterated: Set[Tuple[Optional[str], str]] = set()
        self._called_bare: Set[Tuple[Optional[str], str]] = set()  # ... neither awaited nor scheduled
        found = find_all(node, _DEFS_AND_CALLS)
        convertible = {f.name.value for f in found if isinstance(f, cst.FunctionDef) and self._decorator_of(f) is not None}
        for call in found:
            if not m.matches(call, m.Call(func=m.Name() | m.Attribute())) or _called_name(call) not in convertible:
                continue  # no function of this file that the rule could convert is called
            if self._iterates(call):
                uses = self._iterated
            elif not self._runs_it(call):
                uses = self._called_bare
            else:
                continue  # awaited or scheduled: which function it calls does not matter
            key = self._callee_key(call)  # the costly part: only for the calls that count
            if key is not None:
                uses.add(key)

    def _iterates(self, call: cst.Call) -> bool:
        """The call's value is used as a generator: iterated, ``next``-ed, ``.send``-ed, or
        ``yield from``-ed outside a coroutine."""
        parent = self.ctx.parent(call)
        outer = self.ctx.parent(parent)
        return bool(
            isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is call
            or m.matches(parent, m.Attribute(attr=m.Name()))
            and parent.attr.value in GENERATOR_METHODS
            or m.matches(outer, m.Call(func=m.Name())) and outer.func.value in ITERATORS
            or isinstance(parent, cst.From) and not self._runs_as_coroutine(function_of(self.ctx, parent))
        )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.resolves_to(node.func, DECORATOR) or isinstance(self.ctx.parent(node), cst.Decorator):
            return
        message = "`asyncio.coroutine()` was removed in Python 3.11: use `async def`"
        branch = dead_version_branch(self.ctx, node)
        block = self.ctx.parent(branch) if branch is not None else None
        if branch is None or branch.orelse is not None or len(getattr(block, "body", ())) < 2:
            return self.report(node, message)
        fix = self.fix(branch).remove(branch)
        message = "`asyncio.coroutine()` in a branch no Python from the target on runs: remove the branch"
        comments = count_comments(branch)
        why = " (unsafe: its comments go with it)" if comments else ""
        self.report(node, message + why, fix=fix, unsafe=bool(comments))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        decorator = self._decorator_of(node)
        if decorator is None:
            return
        message = "`@asyncio.coroutine` was removed in Python 3.11: use `async def` and `await`"
        own = find_all(node.body, _YIELDS_AND_RETURNS, _SCOPES)  # one walk for both
        yields: List[cst.Yield] = [n for n in own if isinstance(n, cst.Yield)]
        at = node.decorators.index(decorator)
        above, below = node.decorators[:at], node.decorators[at + 1:]
        if not all(self._marks_only(d) for d in above) or not all(self._hands_back_below(d) for d in below):
            return self.report(node, f"{message} (not rewritten: other decorators)")
        if any(not isinstance(y.value, cst.From) for y in yields):
            return self.report(node, f"{message} (not rewritten: it uses a plain `yield`)")
        returned = [n.value for n in own if isinstance(n, cst.Return) and n.value is not None]
        # without `yield from`, the decorator awaited a returned awaitable: `return await x`
        awaited = set() if yields else {value for value in returned if not is_inert_value(self.ctx, value)}
        if not all(certainly_awaitable(self.ctx, value) for value in awaited):
            return self.report(node, f"{message} (not rewritten: the decorator awaited what it returns)")
        if self._used_as(node, self._iterated, ITERATED):
            return self.report(node, f"{message} (not rewritten: a caller uses it as a generator)")
        if node.name.value.startswith("__") and node.name.value.endswith("__"):
            return self.report(node, f"{message} (not rewritten: `{node.name.value}` is a protocol method)")
        if self._used_as(node, self._called_bare, BARE):
            return self.report(node, f"{message} (not rewritten: a caller neither awaits nor schedules it)")
        if count_comments(decorator):
            return self.report(node, f"{message} (not rewritten: the decorator line holds a comment)")
        kinds = [operand_kind(self.ctx, y.value.item) for y in yields]
        if GENERATOR_CALL in kinds:
            return self.report(node, f"{message} (not rewritten: it delegates to a plain generator)")
        # `with (yield from x):` over an unknown x (an unsafe fix): an asyncio lock, as the
        # spelling says; with `as`, an object whose await gives a context manager (a pool).
        locks = {y for y, kind in zip(yields, kinds) if kind == LOCK or kind == UNKNOWN and self._bare_with_item(y)}
        body = node.body.visit(_YieldFromToAwait(self.ctx, yields, locks, awaited))
        decorators = [d for d in node.decorators if d is not decorator]
        if decorators and node.decorators[0] is decorator:
            decorators[0] = decorators[0].with_changes(leading_lines=decorator.leading_lines)
        new = node.with_changes(asynchronous=cst.Asynchronous(), decorators=decorators, body=body, **self._realigned(node))
        if not decorators:
            new = new.with_changes(leading_lines=[*node.leading_lines, *decorator.leading_lines])
        if _comment_count(new) < _comment_count(node):
            return self.report(node, f"{message} (not rewritten: a comment would be lost)")
        fix = self.fix(node).replace(node, new)
        if isinstance(decorator.decorator, cst.Name):
            module = next(iter(self.ctx.qualified_names(decorator.decorator))).rpartition(".")[0]
            bound = decorator.decorator.value
            fix.remove_import_if_unused(module, "coroutine", None if bound == "coroutine" else bound)
        unknown = UNKNOWN in kinds
        why = " (unsafe: `await` needs an awaitable, `yield from` also took generators)" if unknown else ""
        self.report(node, message + why, fix=fix, unsafe=unknown)

    def _decorator_of(self, node: cst.FunctionDef) -> Optional[cst.Decorator]:
        """The first ``@asyncio.coroutine`` of a plain ``def``: the functions this rule converts."""
        if node.asynchronous is not None:
            return None
        return next((d for d in node.decorators if self.ctx.resolves_to(d.decorator, DECORATOR)), None)

    def _marks_only(self, decorator: cst.Decorator) -> bool:
        """``staticmethod``, ``classmethod``, ``abstractmethod``, or a pytest mark (which
        records itself on the function and hands it back as it is, whatever its kind)."""
        return self.ctx.resolves_to(decorator.decorator, STACKABLE) or self._pytest_mark(decorator)

    def _hands_back_below(self, decorator: cst.Decorator) -> bool:
        """Below the coroutine decorator: what sets an attribute on the generator function and
        hands it back, for the decorator to keep (non-debug: the function itself; debug mode:
        a wrapper whose ``functools.wraps`` copies the attributes): ``abstractmethod``, a mark."""
        return self.ctx.resolves_to(decorator.decorator, BELOW) or self._pytest_mark(decorator)

    def _pytest_mark(self, decorator: cst.Decorator) -> bool:
        func = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
        names = self.ctx.qualified_names(func)
        return bool(names) and all(name.startswith("pytest.mark.") for name in names)

    def _bare_with_item(self, node: cst.Yield) -> bool:
        item = self.ctx.parent(node)
        return isinstance(item, cst.WithItem) and item.asname is None

    def _realigned(self, node: cst.FunctionDef) -> dict:
        """Parameters (and return annotation) whose lines aligned with the opening parenthesis
        move with it, right by the length of ``async ``."""
        if isinstance(node.whitespace_before_params, cst.ParenthesizedWhitespace):
            return {}  # a hanging indent: nothing is aligned with the parenthesis
        parts = [node.params] if node.returns is None else [node.params, node.returns.annotation]
        header = "".join(self.ctx.code_for(part) for part in parts)
        if "\n" not in header or "\t" in header:
            return {}  # one line, or tabs (columns would not count characters)
        name = self.ctx.position(node.name)
        indent = name.start.column - len(node.whitespace_after_def.value) - len("def")
        bracket = name.end.column + len(node.whitespace_after_name.value)
        delta = len("async" + cst.Asynchronous().whitespace_after.value)
        shifted = {"params": shift_aligned_lines(node.params, bracket, indent, delta)}
        if node.returns is not None:
            shifted["returns"] = shift_aligned_lines(node.returns, bracket, indent, delta)
        return shifted

    def _callee_key(self, call: cst.Call) -> Optional[Tuple[Optional[str], str]]:
        """(class, name) of the functions of this file ``call`` may call: ``self.put()`` only
        ``put`` of the class it is written in, ``x.put()`` any ``put`` (class None); None when
        it calls something of another module (``os.mkdir()``) or of a known other class."""
        func = call.func
        method = function_of(self.ctx, call)
        if method is not None and m.matches(func, m.Attribute(m.Name("self") | m.Name("cls"))):
            owner = _class_name(self.ctx.parent(self.ctx.parent(method)))
            if owner is not None:
                return owner, func.attr.value
        if self._calls_elsewhere(func):
            return None
        return None, _called_name(call)

    def _calls_elsewhere(self, func: cst.BaseExpression) -> bool:
        """``func`` certainly names something defined outside this file: every meaning it
        has goes through an import and, by the facts, not back into this module; or it is a
        method of an asyncio object."""
        if isinstance(func, cst.Attribute) and instance_of(self.ctx, func.value) in AWAITABLE_METHODS:
            return True
        names = self.ctx.qualified_names(func)
        facts = self.ctx.facts()
        imported = facts.imported_names(facts.module)
        for name in names:
            if name.partition(".")[0] not in imported:
                return False  # a name of this file, or bound otherwise than by a plain import
            absolute = facts.absolute(name)
            if absolute is None or facts.home_module(absolute) == facts.module:
                return False
        return bool(names)

    def _used_as(self, node: cst.FunctionDef, calls: Set[Tuple[Optional[str], str]], use: str) -> bool:
        """A caller here (``calls``) or in another module of the project (its facts) makes
        such a ``use`` of ``node``."""
        owner = _class_name(self.ctx.parent(self.ctx.parent(node)))
        if (None, node.name.value) in calls or (owner is not None and (owner, node.name.value) in calls):
            return True
        return use in self.ctx.facts().used_elsewhere_as(f"{owner}.{node.name.value}" if owner else node.name.value)

    def _runs_it(self, call: cst.Call) -> bool:
        """The call's value is awaited, ``yield from``-ed or handed (maybe in a list) to a scheduler."""
        holder = self.ctx.parent(call)
        while isinstance(holder, HOLDERS):
            holder = self.ctx.parent(holder)
        if isinstance(holder, cst.Arg):
            callee = self.ctx.parent(holder)
            return m.matches(callee, m.Call(func=m.Name() | m.Attribute())) and _called_name(callee) in SCHEDULERS
        if isinstance(holder, cst.Return):  # returned by a decorated function without `yield`, which awaited it
            func = function_of(self.ctx, holder)
            decorated = func is not None and any(self.ctx.resolves_to(d.decorator, DECORATOR) for d in func.decorators)
            return decorated and not _own_yields(func.body)  # type: ignore[union-attr]
        return isinstance(holder, (cst.Await, cst.From))

    def _runs_as_coroutine(self, func: Optional[cst.FunctionDef]) -> bool:
        """A coroutine function, or a generator whose decorator (the facts say) flags it as one
        before it runs (``asyncio.coroutine(func)`` inside a test decorator): its ``yield
        from`` takes an ``async def``'s coroutine too."""
        marked = func is not None and any(self.ctx.function_kind(d.decorator) == MARKS_COROUTINES for d in func.decorators)
        return marked or is_coroutine_def(self.ctx, func)


def _class_name(node: Optional[cst.CSTNode]) -> Optional[str]:
    return node.name.value if isinstance(node, cst.ClassDef) else None


def _called_name(call: cst.Call) -> str:
    return call.func.value if isinstance(call.func, cst.Name) else call.func.attr.value


def _own_yields(body: cst.CSTNode) -> List[cst.Yield]:
    """``own_nodes(body, cst.Yield)``, walked without rebuilding the nodes."""
    return find_all(body, _YIELDS, _SCOPES)  # type: ignore[return-value]


def _comment_count(node: cst.CSTNode) -> int:
    """``count_comments(node)``, walked without rebuilding the nodes (whole functions)."""
    return len(find_all(node, _COMMENTS))


class _YieldFromToAwait(cst.CSTTransformer):
    def __init__(self, ctx, yields: List[cst.Yield], locks: Set[cst.Yield], awaited: Set[cst.BaseExpression]) -> None:
        super().__init__()
        self._ctx = ctx
        self._yields = set(yields)
        self._locks = locks
        self._awaited = awaited

    def leave_Return(self, original: cst.Return, updated: cst.Return) -> cst.Return:
        if original.value not in self._awaited:
            return updated
        return updated.with_changes(value=cst.Await(expression=_operand_of_await(updated.value)))

    def leave_With(self, original: cst.With, updated: cst.With) -> cst.With:
        if original.asynchronous is None and all(item.item in self._locks for item in original.items):
            return async_with_over(updated, [item.item.expression for item in updated.items])
        return updated

    def leave_Yield(self, original: cst.Yield, updated: cst.Yield) -> cst.BaseExpression:
        if original not in self._yields or not isinstance(updated.value, cst.From):
            return updated
        item = _operand_of_await(updated.value.item)
        lpar, rpar = updated.lpar, updated.rpar
        whole = m.Assign() | m.AnnAssign() | m.AugAssign() | m.Return() | m.Expr() | m.Arg()
        if m.matches(self._ctx.parent(original), whole) and not sum(map(count_comments, (*lpar, *rpar))):
            lpar, rpar = (), ()  # `x = (yield from f())`, `g((yield from f()))`: no parens needed
        return cst.Await(expression=item, lpar=lpar, rpar=rpar)


def _operand_of_await(item: cst.BaseExpression) -> cst.BaseExpression:
    """``item``, parenthesized unless it binds tighter than ``await``."""
    if not isinstance(item, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) and not item.lpar:
        return item.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return item
