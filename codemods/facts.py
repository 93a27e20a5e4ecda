"""Project facts: what the other modules of a project say about the names a file uses.

A rule sees one file; many of its questions are answered by another file of the same project
(is ``conn.execute`` a coroutine function, is ``make_jobs`` a generator). ``module_facts``
reads one module with ``ast`` (no libcst, about a millisecond), and ``ProjectFacts`` answers
for qualified names across the modules handed in. The engine gets facts as an input, like
its settings (``Settings.facts``): the CLI builds them, and hands each file only the facts of
the modules it imports, so its cache key changes only when one of those does.

Hazard: a fact is only as good as the module it came from. A name bound twice, or bound by
anything but a plain ``def``/``class``/import at module level, has no fact: the answer is
None, never a guess.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, Iterator, List, Optional, Set, Tuple

from .source import quiet_ast

# What a function is, as far as callers care.
ASYNC = "async"  # async def
COROUTINE = "coroutine"  # @asyncio.coroutine / @types.coroutine generator
GENERATOR = "generator"  # a plain generator function
PLAIN = "plain"
MAKES_COROUTINE_FUNCTIONS = "makes coroutine functions"  # a decorator that returns a coroutine function of its own
MARKS_COROUTINES = "marks coroutines"  # a decorator that hands its function only to asyncio.coroutine
RETURNS_AWAITABLE = "returns an awaitable"  # a plain function every call of which returns a future or coroutine
BARE = "bare"  # a call whose result is thrown away or kept, never awaited
ITERATED = "iterated"  # a call iterated, sent to or delegated to from a plain generator
ASYNC_GENERATOR = "async generator"
DECORATED = "decorated"  # by something that may hand back another function: nothing is known

_COROUTINE_DECORATORS = frozenset({"asyncio.coroutine", "types.coroutine", "asyncio.coroutines.coroutine"})
# Decorators that hand back the function they are given (marked or annotated): its kind stays.
# Any other decorator may replace it, and the function then has no kind.
_TRANSPARENT_DECORATORS = frozenset({"staticmethod", "classmethod", "abc.abstractmethod", "functools.wraps"})
_TRANSPARENT_PREFIXES = ("pytest.mark.",)
# An instance of a class that defines one of these may be awaited or taken for a future.
_AWAITABLE_MEMBERS = frozenset({"__await__", "_asyncio_future_blocking"})
# Bases from outside the project whose instances are not awaitable and not futures (every
# builtin class too). What methods they have is not recorded: a method lookup that reaches one
# finds nothing, so says nothing.
_INERT_BASES = frozenset({
    "abc.ABC", "asyncio.Protocol", "asyncio.BaseProtocol", "asyncio.DatagramProtocol",
    "asyncio.SubprocessProtocol", "asyncio.protocols.Protocol", "asyncio.protocols.BaseProtocol",
})
_AWAITABLE_BASES = frozenset({"asyncio.Future", "asyncio.futures.Future", "asyncio.Task", "asyncio.tasks.Task"})


@dataclass(frozen=True)
class ClassFacts:
    """``bases``: each base's qualified name ("" for an expression that is no dotted name);
    ``members``: every name the class body binds; ``opaque``: a metaclass, a class
    decorator, ``__new__``, ``__getattr__`` or ``__getattribute__``, so instances or their
    attributes may not be what the body says."""

    bases: Tuple[str, ...] = ()
    members: Tuple[str, ...] = ()  # sorted: facts are part of cache keys, spelled alike in every process
    opaque: bool = False


@dataclass(frozen=True)
class ModuleFacts:
    """``functions``: (name, kind) for each module-level function and each method
    (``Class.method``) bound exactly once; ``imports``: (local name, qualified name) of the
    module-level imports bound exactly once; ``classes``: (name, facts) of the module-level
    classes bound exactly once; ``star_imports``: the modules ``from m import *`` reads, with
    the names ``__all__`` lists when it is a literal (else None: every public name)."""

    functions: Tuple[Tuple[str, str], ...] = ()
    imports: Tuple[Tuple[str, str], ...] = ()
    classes: Tuple[Tuple[str, ClassFacts], ...] = ()
    star_imports: Tuple[str, ...] = ()
    exports: Optional[Tuple[str, ...]] = None  # sorted
    # (qualified callee, BARE or ITERATED) for calls of imported names that neither await the
    # call, nor ``yield from`` it in a coroutine, nor hand it to a scheduler
    calls: Tuple[Tuple[str, str], ...] = ()
    # (function, class): every ``return`` of the function (``Class.method`` for a method)
    # returns a new instance of that class (qualified as for ``ClassFacts.bases``); for a
    # coroutine, what awaiting it gives
    returns: Tuple[Tuple[str, str], ...] = ()

    def imported_modules(self) -> FrozenSet[str]:
        """Every module whose facts may answer for a name imported here (``a.b.c`` may be the
        module ``a.b.c`` or the name ``c`` of ``a.b``)."""
        return _memo(self, "_imported_modules", self._find_imported_modules)

    def _find_imported_modules(self) -> FrozenSet[str]:
        found: Set[str] = set(self.star_imports)
        for _, qualified in self.imports:
            found.add(qualified)
            found.add(qualified.rpartition(".")[0])
        return frozenset(name for name in found if name)

    def digest(self) -> str:
        """A short stand-in for every fact, for cache keys: a file's key holds the facts of
        every module it may use, and spelling them all out, file after file, costs a run
        more than reading them."""
        import hashlib  # only when a cache is used (start-up imports no hashlib)

        return _memo(self, "_digest", lambda: hashlib.blake2b(repr(self).encode(), digest_size=16).hexdigest())

    def binds(self, name: str) -> bool:
        return name in self._kinds() or name in self._classes() or any(local == name for local, _ in self.imports)

    def _kinds(self) -> Dict[str, str]:
        return _memo(self, "_kind_table", lambda: dict(self.functions))

    def _classes(self) -> Dict[str, ClassFacts]:
        return _memo(self, "_class_table", lambda: dict(self.classes))


def _memo(owner: object, slot: str, build):  # type: ignore[no-untyped-def]
    value = owner.__dict__.get(slot)
    if value is None:
        value = build()
        object.__setattr__(owner, slot, value)
    return value


@dataclass(frozen=True)
class ProjectFacts:
    """Facts of some modules of a project, by dotted module name, for the file ``module``
    (its dotted name, to resolve its relative imports; ``is_package``: an ``__init__``).

    The file's own module may be among them (``with_own``): then a name libcst qualifies
    without a module (``Conn.close`` for a class of the file) is looked up there."""

    modules: Tuple[Tuple[str, ModuleFacts], ...] = ()
    module: str = ""
    is_package: bool = False
    # How other modules of the project use this module's functions: (qualified function,
    # BARE or ITERATED), from the ``calls`` of the modules that import it.
    callers: Tuple[Tuple[str, str], ...] = ()

    @classmethod
    def of(cls, modules: Dict[str, ModuleFacts], module: str = "", is_package: bool = False) -> "ProjectFacts":
        return cls(tuple(sorted(modules.items())), module, is_package)

    def digest(self) -> str:
        """What ``ModuleFacts.digest`` is for a module, for all of these facts."""
        modules = ",".join(f"{name}={facts.digest()}" for name, facts in self.modules)
        return f"{self.module}|{self.is_package}|{self.callers!r}|{modules}"

    def with_own(self, own: ModuleFacts) -> "ProjectFacts":
        """These facts and the file's own, under its module name."""
        table = {**dict(self.modules), self.module: own}
        return ProjectFacts(tuple(sorted(table.items())), self.module, self.is_package, self.callers)

    def used_elsewhere_as(self, function: str) -> FrozenSet[str]:
        """How other modules call the function ``function`` (a name of this module, as
        ``Class.method`` or ``func``) other than by awaiting or scheduling it."""
        qualified = f"{self.module}.{function}" if self.module else function
        return frozenset(use for name, use in self.callers if name == qualified)

    def absolute(self, qualified: str) -> Optional[str]:
        """``qualified`` with a relative head (``.conn.make``, as libcst names it) made absolute
        from this file's module, and a name of the file's own module (``Conn.close``)
        prefixed with it; None when it climbs above the top package."""
        level = len(qualified) - len(qualified.lstrip("."))
        if not level:
            own = self._table().get(self.module)
            if own is not None and self.module and own.binds(qualified.partition(".")[0]):
                return f"{self.module}.{qualified}"
            return qualified  # with no module name, the file's own names are under ""
        package = self.module if self.is_package else self.module.rpartition(".")[0]
        return _absolute(qualified[level:] or None, level, package)

    def kind_of(self, qualified: str) -> Optional[str]:
        """ASYNC, COROUTINE, GENERATOR, PLAIN (...) for the function ``qualified`` names
        (``pkg.mod.func``, ``pkg.mod.Class.method``, a method a class inherits from a
        project base), following re-exports; None when no fact says."""
        found = self._locate(qualified)
        if found is None:
            return None
        module, rest = found
        kinds = self._table()[module]._kinds()
        if rest in kinds:
            return kinds[rest]
        head, _, method = rest.partition(".")
        inherited = self.method_of(f"{module}.{head}", method) if method and "." not in method else None
        return self._defined_kind(inherited) if inherited is not None else None

    def method_kind(self, cls: str, method: str, above: bool = False) -> Optional[str]:
        """The kind of ``method`` as instances of the class ``cls`` find it (``method_of``);
        ``above``: as ``super().method`` in a method of ``cls`` finds it."""
        function = self.method_of(cls, method, above)
        return self._defined_kind(function) if function is not None else None

    def _defined_kind(self, function: str) -> Optional[str]:
        """The kind of ``function``, a ``module.Class.method`` that ``method_of`` found."""
        cls, _, method = function.rpartition(".")
        module, _, name = cls.rpartition(".")
        return self._table()[module]._kinds().get(f"{name}.{method}")

    def method_of(self, cls: str, method: str, above: bool = False) -> Optional[str]:
        """The function instances of ``cls`` find as ``method`` (``pkg.mod.Base.method``): in
        the first class of its method resolution order (after ``cls`` itself when ``above``)
        that binds the name; None when that class binds it otherwise than by a ``def``, a
        class before it is not known, or no class has it."""
        for qualified, facts in (self.mro(cls) or ())[1 if above else 0:]:
            if facts is None:
                return None
            if method in facts.members:
                module, _, name = qualified.rpartition(".")
                known = self._table().get(module)
                return f"{qualified}.{method}" if known is not None and f"{name}.{method}" in known._kinds() else None
        return None

    def instances_awaitable(self, cls: str) -> Optional[bool]:
        """Whether an instance of ``cls`` may be awaited or taken for a future (a class of its
        method resolution order defines ``__await__`` or ``_asyncio_future_blocking``, or is
        a future); None when some class is not known."""
        mro = self.mro(cls)
        if mro is None:
            return None
        if any(_awaitable_step(step) for step in mro):
            return True
        return None if any(facts is None for _, facts in mro) else False

    def imported_names(self, module: str) -> FrozenSet[str]:
        """The names ``module`` binds by a module-level import, and by nothing else."""
        facts = self._table().get(module)
        return frozenset(local for local, _ in facts.imports) if facts is not None else frozenset()

    def returned_class(self, qualified: str) -> Optional[str]:
        """The class whose new instance the function ``qualified`` returns (awaiting it, for a
        coroutine function), as its module spells it; None when no fact says."""
        found = self._locate(qualified)
        if found is None:
            return None
        module, rest = found
        return dict(self._table()[module].returns).get(rest)

    def home_module(self, qualified: str) -> Optional[str]:
        """The module of these facts that defines what ``qualified`` names, following
        imports; None when none of them does."""
        found = self._locate(qualified)
        return found[0] if found is not None else None

    def defined_as(self, qualified: str) -> Optional[str]:
        """``qualified`` as the module that defines it spells it (``pkg.lock.noop`` for
        ``pkg.noop`` re-exported by ``pkg/__init__.py``); None when no module here does."""
        found = self._locate(qualified)
        return f"{found[0]}.{found[1]}" if found is not None and found[0] else None

    def is_class(self, qualified: str) -> bool:
        return self._class(qualified) is not None

    def mro(self, cls: str) -> Optional[List[Tuple[str, Optional[ClassFacts]]]]:
        """The method resolution order of ``cls`` (C3, as ``type.mro`` computes it): (qualified
        name, facts) per class; a base from outside the project known to be inert or a future
        has empty facts, any other has None (nothing is known of it or its own bases). None
        when ``cls`` is not a class of these modules, it or a class of these modules above it
        is opaque, or it has no consistent order."""
        cache = _memo(self, "_mros", dict)
        if cls not in cache:
            cache[cls] = None  # a class among its own bases has no order
            cache[cls] = self._linearize(cls)
        return cache[cls]

    def _linearize(self, cls: str) -> Optional[List[Tuple[str, Optional[ClassFacts]]]]:
        located = self._class(cls)
        if located is None or located[1].opaque:
            return None
        chains = []
        for base in located[1].bases:
            if base in _INERT_BASES or base in _AWAITABLE_BASES or base.startswith("builtins."):
                chains.append([(base, ClassFacts())])
            elif self._class(base) is not None:  # a class of these modules: known, or opaque
                known = self.mro(base)
                if known is None:
                    return None
                chains.append(known)
            else:
                chains.append([(f"?{base}", None)])
        merged = _c3_merge([*chains, [chain[0] for chain in chains]])
        return None if merged is None else [located, *merged]

    def _class(self, qualified: str) -> Optional[Tuple[str, ClassFacts]]:
        found = self._locate(qualified)
        if found is None:
            return None
        module, rest = found
        facts = self._table()[module]._classes().get(rest)
        return (f"{module}.{rest}", facts) if facts is not None else None

    def _locate(self, qualified: str, depth: int = 0) -> Optional[Tuple[str, str]]:
        """(module, name in it) where ``qualified`` is defined, following imports and star
        imports; None when no module here defines it."""
        if depth > 6:
            return None
        table = self._table()
        parts = qualified.split(".")
        for cut in range(len(parts) - 1, -1, -1):
            module, rest = ".".join(parts[:cut]), ".".join(parts[cut:])
            facts = table.get(module)
            if facts is None:
                continue
            head, _, tail = rest.partition(".")
            if head in facts._kinds() or head in facts._classes():
                return module, rest
            for local, target in facts.imports:
                if local == head:
                    onward = f"{target}.{tail}" if tail else target
                    return self._locate(onward, depth + 1) if onward != qualified else None
            for star in facts.star_imports:
                exported = table.get(star)
                if exported is not None and (exported.exports is None and not head.startswith("_") or head in (exported.exports or ())):
                    found = self._locate(f"{star}.{rest}", depth + 1)
                    if found is not None:
                        return found
            return None
        return None

    def _table(self) -> Dict[str, ModuleFacts]:
        return _memo(self, "_by_name", lambda: dict(self.modules))


def _awaitable_step(step: Tuple[str, Optional[ClassFacts]]) -> bool:
    name, facts = step
    return name in _AWAITABLE_BASES or facts is not None and not _AWAITABLE_MEMBERS.isdisjoint(facts.members)


def _c3_merge(sequences: List[list]) -> Optional[list]:
    """C3: repeatedly take the first head that is in no other sequence's tail."""
    result = []
    sequences = [list(seq) for seq in sequences if seq]
    while sequences:
        tails = {step[0] for seq in sequences for step in seq[1:]}
        head = next((seq[0] for seq in sequences if seq[0][0] not in tails), None)
        if head is None:
            return None
        result.append(head)
        sequences = [[step for step in seq if step[0] != head[0]] for seq in sequences]
        sequences = [seq for seq in sequences if seq]
    return result


def module_facts(source: str, module: str = "", is_package: bool = False) -> Optional[ModuleFacts]:
    """The facts of one module's source (``module``: its dotted name, to resolve relative
    imports; ``is_package``: it is an ``__init__``). None when ``ast`` cannot parse it."""
    try:
        tree = quiet_ast(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    package = module if is_package else module.rpartition(".")[0]
    imports = _imports(tree.body, package)
    aliases = dict(imports)
    functions: Dict[str, str] = {}
    classes: Dict[str, ClassFacts] = {}
    returns: Dict[str, str] = {}
    counts: Dict[str, int] = {}
    top = {name for node in tree.body for name in _bound_names(node)}
    for node in tree.body:
        for name in _bound_names(node):
            counts[name] = counts.get(name, 0) + 1
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions[node.name] = _kind(node, aliases)
            _note_return(returns, node.name, node, aliases, module, top)
        elif isinstance(node, ast.ClassDef):
            classes[node.name] = _class_facts(node, aliases, module, top)
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    key = f"{node.name}.{item.name}"
                    functions[key] = _kind(item, aliases)
                    counts[key] = counts.get(key, 0) + 1
                    _note_return(returns, key, item, aliases, module, top)
    once = {name for name, n in counts.items() if n == 1}
    coroutines = {name for name, kind in functions.items() if kind in (ASYNC, COROUTINE) and name in once}
    for owner, item, key in _plain_defs(tree):
        if functions.get(key) != PLAIN:
            continue
        if _returns_awaitable(item, owner, coroutines, aliases, module, top):
            functions[key] = RETURNS_AWAITABLE
        elif item is owner and _marks_coroutines(item, aliases):
            functions[key] = MARKS_COROUTINES
        elif item is owner and _makes_coroutine_functions(item, aliases):
            functions[key] = MAKES_COROUTINE_FUNCTIONS
    makers = {name for name, kind in functions.items() if kind == MAKES_COROUTINE_FUNCTIONS and name in once}
    for owner, item, key in _plain_defs(tree):
        outer = item.decorator_list[0] if item.decorator_list else None
        if functions.get(key) != DECORATED or not isinstance(outer, ast.Name) or outer.id not in makers:
            continue
        if item is not owner and outer.id in classes[owner.name].members:  # type: ignore[attr-defined]
            continue  # the class body rebinds the decorator's name
        functions[key] = COROUTINE  # what the outermost decorator returns
    return ModuleFacts(
        functions=tuple(sorted((k, v) for k, v in functions.items() if k in once)),
        imports=tuple(sorted((k, v) for k, v in imports if k in once)),
        classes=tuple(sorted((k, v) for k, v in classes.items() if k in once)),
        star_imports=tuple(_star_imports(tree.body, package)),
        exports=_exports(tree.body),
        calls=_imported_calls(tree, dict(imports)),
        returns=tuple(sorted((k, v) for k, v in returns.items() if k in once and k in functions)),
    )


# Callees that take a coroutine and run it, by the name called; and calls that iterate theirs.
SCHEDULERS = frozenset({
    "ensure_future", "create_task", "Task", "gather", "wait", "wait_for", "shield", "as_completed",
    "run", "run_until_complete", "run_coroutine_threadsafe",
})
ITERATORS = frozenset({"next", "iter", "list", "tuple", "set", "sorted", "enumerate", "zip", "map"})
GENERATOR_METHODS = frozenset({"send", "throw", "close", "__next__", "__iter__", "gi_frame", "gi_running"})


def _imported_calls(tree: ast.Module, imports: Dict[str, str]) -> Tuple[Tuple[str, str], ...]:
    """How the module calls imported names (``noop()`` after ``from .lock import noop``,
    ``lock.noop()`` after ``from . import lock``) other than by running them: (qualified, use)."""
    parents: Dict[ast.AST, ast.AST] = {}
    found: Set[Tuple[str, str]] = set()
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        callee = _imported_name(node.func, imports)
        if callee is None:
            continue
        use = _use_of(node, parents)
        if use is not None:
            found.add((callee, use))
    return tuple(sorted(found))


def _imported_name(func: ast.expr, imports: Dict[str, str]) -> Optional[str]:
    parts = _name_parts(func)
    if parts is None or parts[0] not in imports:
        return None
    return ".".join([imports[parts[0]], *parts[1:]])


def _use_of(call: ast.Call, parents: Dict[ast.AST, ast.AST]) -> Optional[str]:
    """BARE, ITERATED, or None when the call's value is awaited or run."""
    parent = parents.get(call)
    if isinstance(parent, (ast.For, ast.AsyncFor, ast.comprehension)) and parent.iter is call:
        return ITERATED
    if isinstance(parent, ast.Attribute) and parent.attr in GENERATOR_METHODS:
        return ITERATED
    if isinstance(parent, ast.Call) and call in parent.args and _called(parent) in ITERATORS:
        return ITERATED
    if isinstance(parent, ast.YieldFrom):
        function = parent
        while function is not None and not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            function = parents.get(function)
        decorated = isinstance(function, ast.FunctionDef) and any(
            _called_name_of(d).endswith("coroutine") for d in function.decorator_list
        )
        return None if decorated else ITERATED
    if isinstance(parent, ast.Await):
        return None
    if isinstance(parent, ast.Return):
        function = parents.get(parent)
        while function is not None and not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            function = parents.get(function)
        if isinstance(function, ast.FunctionDef) and not _yields(function) and any(
            _called_name_of(d).endswith("coroutine") for d in function.decorator_list
        ):
            return None  # the decorator awaited what its function returned
    holder = parent
    while isinstance(holder, (ast.List, ast.Tuple, ast.Set, ast.Starred, ast.ListComp, ast.SetComp, ast.GeneratorExp)):
        holder = parents.get(holder)
    if isinstance(holder, ast.keyword):
        holder = parents.get(holder)
    if isinstance(holder, ast.Call) and _called(holder) in SCHEDULERS:
        return None
    return BARE


def _called(call: ast.Call) -> str:
    return _called_name_of(call.func).rpartition(".")[2]


def _called_name_of(expr: ast.expr) -> str:
    """``a.b.c`` for ``a.b.c`` or ``a.b.c(...)``; "" for anything else."""
    return ".".join(_name_parts(expr.func if isinstance(expr, ast.Call) else expr) or ())


def _name_parts(expr: ast.expr) -> Optional[List[str]]:
    """``["a", "b", "c"]`` for the dotted name ``a.b.c``; None for any other expression."""
    parts = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    parts.append(expr.id)
    return parts[::-1]


def _note_return(found: Dict[str, str], key: str, function: ast.AST, aliases: Dict[str, str], module: str, top: Set[str]) -> None:
    """Record the class every ``return`` of ``function`` makes an instance of, if there is one:
    ``return Class(...)``, or ``return name`` where the function binds ``name`` only by
    ``name = Class(...)`` (the same class each time)."""
    made: Set[str] = set()
    assigned: Dict[str, Set[str]] = {}
    returned: List[ast.expr] = []
    plain_targets = set()
    nodes = list(_own_nodes(function))
    for node in nodes:
        if isinstance(node, ast.Return):
            if node.value is None:
                return
            returned.append(node.value)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            plain_targets.add(node.targets[0])
            assigned.setdefault(node.targets[0].id, set()).add(_made_class(node.value, aliases, module, top))
    for node in nodes:
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)) and node not in plain_targets:
            assigned.setdefault(node.id, set()).add("")  # bound some other way: unknown
    params = getattr(function, "args", None)
    for arg in ast.walk(params) if params is not None else ():
        if isinstance(arg, ast.arg):
            assigned.setdefault(arg.arg, set()).add("")
    for value in returned:
        if isinstance(value, ast.Name):
            made |= assigned.get(value.id, {""})
        else:
            made.add(_made_class(value, aliases, module, top))
    if len(made) == 1 and "" not in made:
        found[key] = made.pop()


# asyncio functions whose call is a coroutine or a future, whatever the arguments
_ASYNCIO_AWAITABLE_CALLS = frozenset({
    "ensure_future", "shield", "wait_for", "gather", "sleep", "wait", "create_task", "wrap_future",
    "open_connection", "start_server", "create_subprocess_exec", "create_subprocess_shell",
})


def _returns_awaitable(function: ast.AST, owner: ast.AST, coroutines: Set[str], aliases: Dict[str, str], module: str, top: Set[str]) -> bool:
    """Every call of the plain ``function`` (a method when ``owner`` is its class) ends in a
    ``return`` of a call of an asyncio function that makes a coroutine or a future, or of a
    coroutine function of this module (``coroutines``, bound once): ``self.method()`` of its
    class (in an undecorated method, ``self`` never rebound), or a module-level function. A
    path that falls off the end returns None, so the body must end in ``return`` or
    ``raise`` on every branch."""
    if not isinstance(function, ast.FunctionDef) or not _always_exits(function.body):
        return False
    params = function.args.posonlyargs + function.args.args
    stores = {n.id for n in _own_nodes(function) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    local = stores | {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
    method = isinstance(owner, ast.ClassDef) and params and not function.decorator_list and params[0].arg not in stores
    receiver = params[0].arg if method else None
    returns = [node for node in _own_nodes(function) if isinstance(node, ast.Return)]
    for node in returns:
        call = node.value
        callee = _name_parts(call.func) if isinstance(call, ast.Call) else None
        if not callee:
            return False
        name = _dotted(call.func, aliases, module, top) if callee[0] not in local else ""  # type: ignore[union-attr]
        if name.startswith("asyncio.") and name.rpartition(".")[2] in _ASYNCIO_AWAITABLE_CALLS:
            continue
        if len(callee) == 2 and callee[0] == receiver and f"{owner.name}.{callee[1]}" in coroutines:  # type: ignore[attr-defined]
            continue
        if len(callee) == 1 and callee[0] not in local and callee[0] in coroutines:
            continue
        return False
    return bool(returns)


def _marks_coroutines(function: ast.FunctionDef, aliases: Dict[str, str]) -> bool:
    """``function`` is a decorator (one parameter, ``func``) that does nothing with ``func``
    but hand it to ``asyncio.coroutine`` or ``types.coroutine`` (which flag a generator
    function's code, in place, as a coroutine that may ``yield from`` native ones) and to
    ``functools.wraps``: whenever the function it decorates runs, it runs as a coroutine."""
    args = function.args
    if len(args.args) != 1 or args.posonlyargs or args.vararg or args.kwonlyargs or args.kwarg:
        return False
    param = args.args[0].arg
    marked = False
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and any(isinstance(a, ast.Name) and a.id == param for a in node.args):
            callee = _decorator_name(node.func, aliases)
            if callee not in _COROUTINE_DECORATORS and callee != "functools.wraps" or len(node.args) != 1 or node.keywords:
                return False
            marked |= callee in _COROUTINE_DECORATORS
    uses = [n for n in ast.walk(function) if isinstance(n, ast.Name) and n.id == param]
    calls = [n for n in ast.walk(function) if isinstance(n, ast.Call) and len(n.args) == 1 and isinstance(n.args[0], ast.Name) and n.args[0].id == param]
    return marked and len(uses) == len(calls)


def _makes_coroutine_functions(function: ast.FunctionDef, aliases: Dict[str, str]) -> bool:
    """``function`` (a module-level decorator) returns, on every path, the one function it
    defines under that name, a generator-based coroutine function (``@asyncio.coroutine``
    and ``functools.wraps`` only): what it decorates becomes a coroutine function."""
    if not function.body or not isinstance(function.body[-1], ast.Return):
        return False
    nested = [s for s in function.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
    names = {s.name for s in nested}
    returns = [n for n in _own_nodes(function) if isinstance(n, ast.Return)]
    stores = [n.id for n in _own_nodes(function) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)]
    if len(returns) != 1 or len(nested) != 1 or any(name in names for name in stores):
        return False
    value = returns[0].value
    return isinstance(value, ast.Name) and value.id in names and _kind(nested[0], aliases) == COROUTINE


def _plain_defs(tree: ast.Module) -> Iterator[Tuple[ast.AST, ast.FunctionDef, str]]:
    """(owner, function, key in the facts) for each ``def`` (not ``async def``) of the module
    and of its classes; the owner is the function itself at module level, else its class."""
    for node in tree.body:
        for item in node.body if isinstance(node, ast.ClassDef) else [node]:
            if isinstance(item, ast.FunctionDef):
                yield node, item, item.name if item is node else f"{node.name}.{item.name}"  # type: ignore[attr-defined]


def _always_exits(body: List[ast.stmt]) -> bool:
    """The statements end in ``return`` or ``raise`` on every path (an ``if`` whose branches
    all do; anything else may fall through)."""
    last = body[-1] if body else None
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    return isinstance(last, ast.If) and _always_exits(last.body) and _always_exits(last.orelse)


def _made_class(value: ast.expr, aliases: Dict[str, str], module: str, top: Set[str]) -> str:
    """The class ``value`` calls, as ``Class(...)`` spells it (qualified); "" otherwise."""
    if not isinstance(value, ast.Call):
        return ""
    name = _dotted(value.func, aliases, module, top)
    return "" if name.startswith("builtins.") else name


def _own_nodes(function: ast.AST) -> Iterable[ast.AST]:
    """The nodes of a function's own body (not of nested functions, lambdas or classes)."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))


def _class_facts(node: ast.ClassDef, aliases: Dict[str, str], module: str, top: Set[str]) -> ClassFacts:
    members = set()
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            members.add(item.name)
        else:
            members.update(_bound_names(item))
    bases = tuple(_dotted(base, aliases, module, top) for base in node.bases)
    opaque = bool(node.keywords or node.decorator_list or members & {"__new__", "__getattr__", "__getattribute__"})
    return ClassFacts(bases=bases, members=tuple(sorted(members)), opaque=opaque)


def _dotted(expr: ast.expr, aliases: Dict[str, str], module: str, top: Set[str]) -> str:
    """The qualified name a base class expression spells: through the module's imports, a
    name the module binds (``top``) as ``module.Name``, a builtin as ``builtins.Name``; ""
    for anything but a dotted name."""
    parts = _name_parts(expr)
    if parts is None:
        return ""
    first = parts[0]
    if first in aliases:
        head = aliases[first]
    elif first in top or not hasattr(builtins, first):
        head = f"{module}.{first}" if module else first
    else:
        head = f"builtins.{first}"
    return ".".join([head, *parts[1:]])


def _star_imports(body: Iterable[ast.stmt], package: str) -> List[str]:
    found = []
    for node in body:
        if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
            base = _absolute(node.module, node.level, package)
            if base is not None:
                found.append(base)
    return found


def _exports(body: Iterable[ast.stmt]) -> Optional[Tuple[str, ...]]:
    """The names a literal ``__all__`` lists; None when there is none or it is computed."""
    found = None
    for node in body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            if found is not None or not isinstance(node.value, (ast.List, ast.Tuple)):
                return None
            if not all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.value.elts):
                return None
            found = tuple(sorted({e.value for e in node.value.elts}))  # type: ignore[attr-defined]
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id == "__all__":
            return None
    return found


def _imports(body: Iterable[ast.stmt], package: str) -> Tuple[Tuple[str, str], ...]:
    found = []
    for node in body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    found.append((alias.asname, alias.name))
                else:
                    head = alias.name.partition(".")[0]
                    found.append((head, head))
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module, node.level, package)
            if base is None:
                continue
            for alias in node.names:
                if alias.name != "*":
                    found.append((alias.asname or alias.name, f"{base}.{alias.name}"))
    return tuple(found)


def _absolute(module: Optional[str], level: int, package: str) -> Optional[str]:
    if not level:
        return module
    parts = package.split(".") if package else []
    if level - 1 >= len(parts):  # above the top package (or relative in a plain module)
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, *(module.split(".") if module else [])]) or None


def _bound_names(node: ast.stmt) -> Iterable[str]:
    """Names a module-level statement binds (enough to tell a name bound twice)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).partition(".")[0] for a in node.names]
    names = []
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
            names.append(child.id)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(child.name)  # a def inside `if`/`try` at module level
    return names


def _kind(node: ast.AST, aliases: Dict[str, str]) -> str:
    names = [_decorator_name(d, aliases) for d in node.decorator_list]  # type: ignore[attr-defined]
    if not all(n in _TRANSPARENT_DECORATORS or n in _COROUTINE_DECORATORS or n.startswith(_TRANSPARENT_PREFIXES) for n in names):
        return DECORATED
    if isinstance(node, ast.AsyncFunctionDef):
        return ASYNC_GENERATOR if _yields(node) else ASYNC
    if any(n in _COROUTINE_DECORATORS for n in names):
        return COROUTINE
    return GENERATOR if _yields(node) else PLAIN


def _decorator_name(decorator: ast.expr, aliases: Dict[str, str]) -> str:
    """What a decorator names (``@functools.wraps(f)`` and ``@pytest.mark.skipif(...)`` by
    their callee), its head through the module's imports; "" for anything else."""
    parts = _name_parts(decorator.func if isinstance(decorator, ast.Call) else decorator)
    if parts is None:
        return ""
    return ".".join([aliases.get(parts[0], parts[0]), *parts[1:]])


def _yields(function: ast.AST) -> bool:
    """A ``yield`` of the function's own (not of a nested def, lambda or class)."""
    return any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in _own_nodes(function))
