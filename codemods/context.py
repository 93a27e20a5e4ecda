"""What every rule can ask about the file being checked: names, scopes, parents, positions."""

from __future__ import annotations

import builtins
import dataclasses
import functools
import re
from types import MappingProxyType
from typing import TYPE_CHECKING, Callable, Collection, Dict, FrozenSet, List, Mapping, Optional, Set, Tuple, TypeVar

import libcst as cst
from libcst.metadata import (
    CodeRange,
    ExpressionContextProvider,
    MetadataWrapper,
    Scope,
    ScopeProvider,
)
from libcst._nodes.internal import CodegenState
from libcst.metadata.expression_context_provider import ExpressionContext, ExpressionContextVisitor
from libcst.metadata import scope_provider
from libcst.metadata.scope_provider import ScopeVisitor

from .facts import ModuleFacts, ProjectFacts, module_facts
from .model import ImportRequest, Settings
from .module_names import ModuleNames
from .positions import StatementPositions, indents_around
from .traversal import IS_NODE, NoRebuild, TypeTest

# Tests set this to check every fast answer of ModuleNames against libcst's ScopeProvider.
CROSS_CHECK_NAMES = False
# Tests set this to take the full path: libcst's own traversal of every node, and nothing
# taken from the source text that the tree could answer (the fast path must agree with it).
FULL_PATH = False

if TYPE_CHECKING:
    from .rule import Report


V = TypeVar("V")


def once_per_file(compute: Callable[["FileContext"], V]) -> Callable[["FileContext"], V]:
    """``compute(ctx)`` once per file, its answer kept in the file's context. Not
    ``lru_cache`` keyed by the tree or the context: the cache would keep the last trees (and
    their metadata) alive after their files are done, tens of megabytes in a worker."""

    @functools.wraps(compute)
    def remembered(ctx: "FileContext") -> V:
        try:
            return ctx.per_file[compute]  # type: ignore[return-value]
        except KeyError:
            answer = ctx.per_file[compute] = compute(ctx)
            return answer

    return remembered


class FileContext:
    def __init__(self, wrapper: MetadataWrapper, settings: Settings, source: Optional[str] = None) -> None:
        self.wrapper = wrapper
        self.source = source  # the text ``wrapper.module`` was parsed from, when known
        self.module: cst.Module = wrapper.module
        self.settings = settings
        self.reports: List["Report"] = []
        # Scope analysis is most of the cost of a run (ScopeProvider + ExpressionContextProvider
        # walk the tree twice more): resolved on the first question that needs it, which for
        # most files is never (``resolves_to`` answers "no" from the spelling when it can).
        self._scopes: Optional[Mapping[cst.CSTNode, Optional[Scope]]] = None
        # Parents are recorded by the engine's traversal as it goes (``note_parent``); a
        # question about a node not reached yet maps the whole tree once (``parent_map``).
        self._walk_parents: Dict[cst.CSTNode, cst.CSTNode] = {}
        self._parents: Optional[Mapping[cst.CSTNode, cst.CSTNode]] = None
        self._alias_names: Optional[FrozenSet[str]] = None
        self._import_words: Optional[Collection[str]] = None
        self._tails: Dict[int, Tuple[Collection[str], FrozenSet[str]]] = {}
        self._positions = StatementPositions(self.module, self.parent)
        # Innermost last: the FunctionDef/ClassDef/Lambda/GeneratorExp whose body we are in.
        self.body_stack: List[cst.CSTNode] = []
        self.imports = ImportTable(self)
        self._module_names = ModuleNames(self.module, self.text)
        # Resolved providers a rule declared in METADATA_DEPENDENCIES.
        self.extra_metadata: Dict[type, object] = {}
        self._facts: Optional[ProjectFacts] = None
        self.per_file: Dict[Callable[["FileContext"], object], object] = {}  # ``once_per_file``

    # -- names -------------------------------------------------------------------------
    def _scope_map(self) -> Mapping[cst.CSTNode, Optional[Scope]]:
        if self._scopes is None:
            self._scopes = resolve_scopes(self.wrapper)
        return self._scopes

    def scope(self, node: cst.CSTNode) -> Optional[Scope]:
        return self._scope_map().get(node)

    def qualified_names(self, node: cst.CSTNode) -> Set[str]:
        """Fully qualified names ``node`` may refer to (``{"asyncio.sleep"}`` for ``aio.sleep``).

        An attribute of a call is named after the call: ``asyncio.get_event_loop_policy().
        set_child_watcher`` (libcst itself would say "asyncio.get_event_loop_policy.
        set_child_watcher", and "builtins.input" for ``input().strip``)."""
        base = node
        while isinstance(base, cst.Attribute):
            base = base.value
        if base is not node and not isinstance(base, cst.Name):
            if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Call) and self._in_tree(node):
                return {f"{name}().{node.attr.value}" for name in self.qualified_names(node.value.func)}
            return set()
        found = self._module_names.resolve(node, self.parent)
        if found is None or CROSS_CHECK_NAMES:
            scope = self._scope_map().get(node)
            slow = {q.name for q in scope.get_qualified_names_for(node)} if scope is not None else set()
            if found is not None and found != slow:
                raise AssertionError(f"fast names {sorted(found)} != libcst's {sorted(slow)} for {self.code_for(node)!r}")
            found = slow
        if self.settings.first_party:
            found = {name for name in found if _top_package(name) not in self.settings.first_party}
        return found

    def facts(self) -> "ProjectFacts":
        """What the project says about names this file uses, with this file's own module
        (its functions, classes and their bases, read with ``ast`` from its text)."""
        if self._facts is None:
            given = self.settings.facts or ProjectFacts()
            own = dict(given.modules).get(given.module) if given.modules else None
            if own is None:
                own = module_facts(self.text(), given.module, given.is_package) or ModuleFacts()
                given = given.with_own(own)
            self._facts = given
        return self._facts

    def function_kind(self, node: cst.CSTNode) -> Optional[str]:
        """What the facts say the function ``node`` names is (``facts.ASYNC``, ``COROUTINE``,
        ``GENERATOR``, ``PLAIN``...), when every meaning it may have agrees; else None."""
        facts = self.facts()
        kinds = set()
        for name in self.qualified_names(node) or {None}:
            absolute = facts.absolute(name) if name else None
            kinds.add(facts.kind_of(absolute) if absolute else None)
        return kinds.pop() if len(kinds) == 1 else None

    def _in_tree(self, node: cst.CSTNode) -> bool:
        return node is self.module or self.parent(node) is not None

    def resolves_to(self, node: cst.CSTNode, names: Collection[str]) -> bool:
        """True when every meaning ``node`` can have is one of ``names``."""
        if not self._may_resolve_to(node, names):
            return False
        found = self.qualified_names(node)
        return bool(found) and found <= set(names)

    def _may_resolve_to(self, node: cst.CSTNode, names: Collection[str]) -> bool:
        """False when ``node`` cannot mean any of ``names``, decided without scope analysis.

        A qualified name keeps the last component of the spelling (``aio.sleep`` ->
        ``asyncio.sleep``, ``from asyncio import sleep`` -> ``asyncio.sleep``) except for a
        bare name bound by ``import ... as x``, which we recognise by the text ``as x``.
        """
        if isinstance(node, cst.Attribute):
            tail, bare = node.attr.value, False
            head = node.value
            while isinstance(head, cst.Attribute):
                head = head.value
            if not isinstance(head, cst.Name):
                # qualified_names names only `f().x` (after the call), nothing deeper: `f` must
                # be able to mean a callee that one of `names` names that way
                if not isinstance(node.value, cst.Call):
                    return False
                callees = [name[: -len(f"().{tail}")] for name in names if name.endswith(f"().{tail}")]
                return bool(callees) and self._may_resolve_to(node.value.func, callees)
        elif isinstance(node, cst.Name):
            tail, bare = node.value, True
        else:
            return True
        entry = self._tails.get(id(names))
        if entry is None or entry[0] is not names:
            entry = (names, frozenset(name.rpartition(".")[2] for name in names))
            if isinstance(names, frozenset):  # the rules' constants; a transient set is not kept
                self._tails[id(names)] = entry
        if bare:
            return tail in entry[1] or tail in self._aliases()
        if tail not in entry[1]:
            return False
        # `x.y.wait` can only mean `threading.Event.wait` if `x` is bound by an import (or
        # is spelled like the head of a wanted name, or is a builtin).
        # Its qualified name then starts with the imported module's path, so the import
        # statements must also mention the package of some wanted name (`os.wait` in a file
        # that never imports asyncio or threading is not `threading.Event.wait`).
        name = head.value  # type: ignore[union-attr]
        if name in _BUILTINS:
            return True
        packages = {wanted.partition(".")[0] for wanted in names}
        if name in packages:
            return True
        imported = self._imported()
        return name in imported and any(package in imported for package in packages)

    def module_import_statements(self, name: cst.Name) -> Optional[List[cst.CSTNode]]:
        """The module-level imports that bind ``name``, when nothing else binds it anywhere
        (then they are its only bindings, seen from anywhere); else None (ask ``scope``)."""
        if not self._in_tree(name):
            return None
        return self._module_names.import_statements(name.value)

    def may_refer_to(self, names: Collection[str]) -> bool:
        """False when nothing in this file can mean any of ``names`` (qualified names outside
        builtins): no import statement names their package. Decided without scope analysis."""
        packages = {name.partition(".")[0] for name in names}
        return "builtins" in packages or any(package in self._imported() for package in packages)

    def text(self) -> str:
        """The source the module was parsed from (its code, when not given)."""
        return self.source if self.source is not None else self.module.code

    def _aliases(self) -> FrozenSet[str]:
        if self._alias_names is None:
            self._alias_names = frozenset(_AS_NAME.findall(self.text()))
        return self._alias_names

    def _imported(self) -> Collection[str]:
        """Every word of every import statement: a superset of the names imports bind.
        Everything counts as imported when the file has a star import."""
        if self._import_words is None:
            words: Set[str] = set()
            for span in _IMPORT.findall(self.text()):
                if "*" in span:
                    self._import_words = _EVERYTHING
                    return self._import_words
                words.update(_WORD.findall(span))
            for module in _FROM.findall(self.text()):
                words.update(_WORD.findall(module))
            self._import_words = frozenset(words)
        return self._import_words

    def call_name(self, call: cst.CSTNode) -> Optional[str]:
        """The single qualified name of a call's callee, if it has exactly one."""
        if not isinstance(call, cst.Call):
            return None
        names = self.qualified_names(call.func)
        return next(iter(names)) if len(names) == 1 else None

    # -- structure ---------------------------------------------------------------------
    def metadata(self, provider: type, node: cst.CSTNode, default: object = None) -> object:
        return self.extra_metadata[provider].get(node, default)  # type: ignore[attr-defined]

    def note_parent(self, node: cst.CSTNode, parent: cst.CSTNode) -> None:
        self._walk_parents[node] = parent

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        found = self._walk_parents.get(node)
        if found is not None:
            return found
        if self._parents is None:
            self._parents = parent_map(self.module)
        return self._parents.get(node)

    def in_coroutine(self) -> bool:
        """Is the node being visited lexically in an ``async def`` body, not in a nested
        sync def, lambda, class body or generator expression?"""
        if not self.body_stack:
            return False
        inner = self.body_stack[-1]
        return isinstance(inner, cst.FunctionDef) and inner.asynchronous is not None

    def enclosing_function(self) -> Optional[cst.FunctionDef]:
        for node in reversed(self.body_stack):
            if isinstance(node, cst.FunctionDef):
                return node
        return None

    def is_awaited(self, node: cst.CSTNode) -> bool:
        return isinstance(self.parent(node), cst.Await)

    # -- positions ---------------------------------------------------------------------
    def position(self, node: cst.CSTNode) -> CodeRange:
        return self._positions.syntactic(node)

    def span(self, node: cst.CSTNode) -> CodeRange:
        """All the text ``node`` generates, whitespace, indentation and newline included."""
        return self._positions.inclusive(node)

    def code_at_depth_of(self, anchor: cst.CSTNode, node: cst.CSTNode) -> str:
        """What ``node`` generates in place of ``anchor``: indented as deep as ``anchor`` is."""
        state = CodegenState(default_indent=self.module.default_indent, default_newline=self.module.default_newline)
        state.indent_tokens.extend(indents_around(anchor, self.parent, self.module.default_indent))
        node._codegen(state)
        return "".join(state.tokens)

    def code_for(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)


def _top_package(qualified: str) -> str:
    return qualified.partition(".")[0].partition("(")[0]


def resolve_scopes(wrapper: MetadataWrapper) -> Mapping[cst.CSTNode, Optional[Scope]]:
    """``wrapper.resolve(ScopeProvider)`` with two fewer walks of the tree. Both providers it
    needs do all their work in ``visit_Module`` (each runs a visitor of its own), yet
    ``resolve`` also walks every node once per provider for nothing: half the cost. Their
    visitors run without rebuilding the nodes they pass (``traversal.NoRebuild``)."""
    try:
        for provider_type, visit_module in (
            (ExpressionContextProvider, _expression_contexts),
            (ScopeProvider, _scopes),
        ):
            if provider_type in wrapper._metadata:
                continue
            provider = provider_type()
            provider._computed = {}
            with provider.resolve(wrapper):
                if FULL_PATH:
                    provider.visit_Module(wrapper.module)
                else:
                    visit_module(provider, wrapper.module)
            wrapper._metadata[provider_type] = MappingProxyType(provider._computed)
        return wrapper._metadata[ScopeProvider]
    except AttributeError:  # another libcst: its own way
        return wrapper.resolve(ScopeProvider)


def _expression_contexts(provider: ExpressionContextProvider, module: cst.Module) -> None:
    """``ExpressionContextProvider.visit_Module``."""
    module.visit(_ExpressionContextVisitor(provider, ExpressionContext.LOAD))


def _scopes(provider: ScopeProvider, module: cst.Module) -> None:
    """``ScopeProvider.visit_Module``."""
    visitor = _ScopeVisitor(provider)
    module.visit(visitor)
    visitor.infer_accesses()


class _ExpressionContextVisitor(NoRebuild, ExpressionContextVisitor):
    pass


class _ScopeVisitor(NoRebuild, ScopeVisitor):
    if hasattr(scope_provider, "_ASSIGNMENT_LIKE_NODES"):

        def on_leave(self, original_node: cst.CSTNode) -> None:
            """``ScopeVisitor.on_leave``, whose ``isinstance`` test against 18 node classes (ABCs)
            cost more than the rest of scope analysis."""
            if _ASSIGNMENT_LIKE[type(original_node)]:
                ScopeVisitor.on_leave(self, original_node)  # also counts the assignment
            else:
                self.provider.set_metadata(original_node, self.scope)
                super(ScopeVisitor, self).on_leave(original_node)


_ASSIGNMENT_LIKE = TypeTest(getattr(scope_provider, "_ASSIGNMENT_LIKE_NODES", ()))


def parent_map(root: cst.CSTNode) -> Dict[cst.CSTNode, cst.CSTNode]:
    """Every node's parent: what libcst's ParentNodeProvider computes, 20 times faster, because
    it reads the nodes' fields instead of running a visitor (which rebuilds every node)."""
    parents: Dict[cst.CSTNode, cst.CSTNode] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        for name in _child_fields(type(node)):
            value = getattr(node, name)
            if IS_NODE[type(value)]:
                parents[value] = node
                stack.append(value)
            elif type(value) in (tuple, list):
                for item in value:
                    if IS_NODE[type(item)]:
                        parents[item] = node
                        stack.append(item)
    return parents


@functools.lru_cache(maxsize=None)
def _child_fields(node_type: type) -> Tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(node_type))


class _Everything:
    def __contains__(self, item: object) -> bool:
        return True


_EVERYTHING: Collection[str] = _Everything()  # type: ignore[assignment]
_BUILTINS = frozenset(dir(builtins))
# `import` to the end of the logical line (backslash continuations), or a parenthesised list.
_IMPORT = re.compile(r"\bimport\b(\s*\([^)]*\)|(?:[^\n\\]|\\.)*)", re.DOTALL)
_FROM = re.compile(r"\bfrom(?:\s|\\)+([\w.]+)(?:\s|\\)+import\b")
_WORD = re.compile(r"\w+")
_AS_NAME = re.compile(r"\bas(?:\s|\\)+(\w+)")


class ImportTable:
    """How to spell a module attribute at a given place, reusing the file's imports."""

    def __init__(self, ctx: FileContext) -> None:
        self._ctx = ctx
        self._aliases: Optional[List[Tuple[str, str]]] = None  # (bound name, qualified name)

    def _module_bindings(self) -> List[Tuple[str, str]]:
        if self._aliases is None:
            self._aliases = []
            for stmt in self._ctx.module.body:
                if not isinstance(stmt, cst.SimpleStatementLine):
                    continue
                for small in stmt.body:
                    if isinstance(small, cst.Import):
                        for alias in small.names:
                            full = cst.helpers.get_full_name_for_node(alias.name) or ""
                            if alias.asname is not None:
                                bound = cst.helpers.get_full_name_for_node(alias.asname.name) or ""
                                self._aliases.append((bound, full))
                    elif isinstance(small, cst.ImportFrom) and not small.relative and not isinstance(
                        small.names, cst.ImportStar
                    ):
                        module = cst.helpers.get_full_name_for_node(small.module) if small.module else None
                        for alias in small.names:
                            name = cst.helpers.get_full_name_for_node(alias.name) or ""
                            bound = (
                                cst.helpers.get_full_name_for_node(alias.asname.name)
                                if alias.asname is not None
                                else name
                            )
                            if module and bound:
                                self._aliases.append((bound, f"{module}.{name}"))
        return self._aliases

    def spell(self, dotted: str, anchor: cst.CSTNode) -> Tuple[Optional[str], Optional["ImportRequest"]]:
        """(spelling, import to add) for ``dotted`` at ``anchor``; (None, None) if impossible."""

        if not self._ctx._in_tree(anchor):
            return None, None

        def meanings(name: str) -> Set[str]:
            found = self._ctx._module_names.resolve_name(name)
            if found is None:
                scope = self._ctx.scope(anchor)
                found = {q.name for q in scope.get_qualified_names_for(name)} if scope is not None else set()
            return found

        def means(name: str, qualified: str) -> bool:
            return meanings(name) == {qualified}

        head, _, rest = dotted.partition(".")
        if not rest:  # a builtin, such as TimeoutError
            return (dotted, None) if means(dotted, f"builtins.{dotted}") else (None, None)
        if means(head, head):
            return dotted, None
        for bound, qualified in self._module_bindings():
            if qualified == head and means(bound, head):
                return f"{bound}.{rest}", None
            if qualified == dotted and means(bound, dotted):
                return bound, None
        if not meanings(head) and self._ctx._module_names.resolve_name(head) == set():
            return dotted, ImportRequest(head)  # bound nowhere
        scope = self._ctx.scope(anchor)
        if scope is not None and not scope.get_qualified_names_for(head) and head not in scope:
            return dotted, ImportRequest(head)
        return None, None
