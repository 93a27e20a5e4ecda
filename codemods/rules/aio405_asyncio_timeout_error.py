import libcst as cst

from ..kit.imports import absolute_from_module, drop_import_if_unused
from ..kit.names import asyncio_names
from ..kit.syntax import loses_comments, without_trailing_comma
from ..model import Safety
from ..rule import Rule

ALIAS = asyncio_names("TimeoutError")
BUILTIN = "builtins.TimeoutError"
# Calls whose tuple argument lists exception classes: (qualified names, argument index).
CLASS_TUPLES = (
    (frozenset({"builtins.isinstance", "builtins.issubclass"}), 1),
    (frozenset({"pytest.raises"}), 0),
)


class AsyncioTimeoutErrorAlias(Rule):
    """Use the builtin ``TimeoutError`` instead of its alias ``asyncio.TimeoutError``.

    ## Why
    Since Python 3.11 ``asyncio.TimeoutError`` (and ``asyncio.exceptions.TimeoutError``) is
    the builtin ``TimeoutError``; the alias only survives for compatibility. In
    ``except (asyncio.TimeoutError, TimeoutError):`` the two names are one class, so the tuple
    collapses to ``except TimeoutError:``.

    ## Fix safety
    Safe: the alias and the builtin are the same object from 3.11 on, so ``except``,
    ``raise``, ``isinstance`` and ``pytest.raises`` behave the same. A ``from asyncio import
    TimeoutError`` is removed (its users keep their spelling and now mean the builtin); an
    aliased one (``as AsyncTimeout``) is removed once its uses are rewritten. Removing an import
    also removes that module attribute: code elsewhere that does
    ``from this_module import TimeoutError`` would break, so a file whose text names
    ``"TimeoutError"`` in a string (``__all__``) keeps its import.

    ## Limitations
    Left alone: a shadowed builtin ``TimeoutError`` (a module defining its own), assignments to
    ``asyncio.TimeoutError``, an import that is one of several bindings of the name (a
    ``try``/``except ImportError`` fallback), an import on a line with other statements or with
    a comment the removal would drop. ``concurrent.futures.TimeoutError`` and ``socket.timeout``
    are other rules' business. Duplicates are collapsed only in ``except``, ``isinstance``,
    ``issubclass`` and ``pytest.raises`` tuples.
    """

    code = "AIO405"
    name = "asyncio-timeout-error-alias"
    min_python = (3, 11)
    safety = Safety.SAFE
    equivalent_codes = ("UP041",)
    trigger_words = ("TimeoutError",)
    anchors = tuple(ALIAS)

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self._collapsed = set()  # tuples rewritten as a whole

    def _is_alias(self, node: cst.CSTNode) -> bool:
        return isinstance(node, (cst.Name, cst.Attribute)) and self.ctx.resolves_to(node, ALIAS)

    def _builtin(self, fix, node: cst.CSTNode) -> cst.Name:
        """``TimeoutError`` spelled at ``node``, where it may mean the builtin or the alias."""
        scope = self.ctx.scope(node)
        meanings = {q.name for q in scope.get_qualified_names_for("TimeoutError")} if scope else set()
        if not meanings or not meanings <= ALIAS | {BUILTIN}:
            fix.ref("TimeoutError")  # blocks the fix when the builtin is shadowed
        return cst.Name("TimeoutError")

    def _skipped(self, node: cst.CSTNode) -> bool:
        parent = self.ctx.parent(node)
        if isinstance(parent, cst.Element) and self.ctx.parent(parent) in self._collapsed:
            return True
        return isinstance(parent, (cst.AssignTarget, cst.Del, cst.ImportAlias)) or (
            isinstance(parent, cst.Attribute) and parent.attr is node
        )

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if self._is_alias(node) and not self._skipped(node):
            self._fix_use(node)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == "TimeoutError" or not self._is_alias(node) or self._skipped(node):
            return  # `from asyncio import TimeoutError` users are fixed by removing the import
        self._fix_use(node)

    def _fix_use(self, node: cst.BaseExpression) -> None:
        fix = self.fix(node)
        fix.replace(node, self._builtin(fix, node).with_changes(lpar=node.lpar, rpar=node.rpar))
        if isinstance(node, cst.Name):
            drop_import_if_unused(self.ctx, fix, node)
        message = f"`{self.ctx.code_for(node)}` is the builtin `TimeoutError` since Python 3.11"
        self.report(node, message, fix=None if loses_comments(node, []) else fix)

    def visit_Tuple(self, node: cst.Tuple) -> None:
        parent = self.ctx.parent(node)
        if isinstance(parent, cst.ExceptHandler):
            bare_ok = parent.whitespace_after_except.value != ""
        elif isinstance(parent, cst.ExceptStarHandler):
            bare_ok = parent.whitespace_after_star.value != ""
        elif isinstance(parent, cst.Arg) and self._class_tuple_arg(parent):
            bare_ok = True
        else:
            return
        kinds = [None if isinstance(e, cst.StarredElement) else self._kind(e.value) for e in node.elements]
        if "alias" not in kinds or kinds.count("alias") + kinds.count("builtin") < 2:
            return
        self._collapsed.add(node)
        fix = self.fix(node)
        kept, seen = [], False
        for element, kind in zip(node.elements, kinds):
            if kind is None:
                kept.append(element)
            else:
                if isinstance(element.value, cst.Name):
                    drop_import_if_unused(self.ctx, fix, element.value)
                if not seen:
                    seen = True
                    kept.append(element.with_changes(value=self._builtin(fix, node)))
        if len(kept) == 1:
            parens = ([], []) if bare_ok else (node.lpar, node.rpar)
            new = kept[0].value.with_changes(lpar=parens[0], rpar=parens[1])
        else:
            new = node.with_changes(elements=comma_like(node.elements, kept))
        message = "`asyncio.TimeoutError` is the builtin `TimeoutError` (3.11+): one entry is enough"
        self.report(node, message, fix=None if loses_comments(node, [new]) else fix.replace(node, new))

    def _kind(self, expr: cst.BaseExpression):
        if self._is_alias(expr):
            return "alias"
        if isinstance(expr, cst.Name) and self.ctx.resolves_to(expr, {BUILTIN}):
            return "builtin"
        return None

    def _class_tuple_arg(self, arg: cst.Arg) -> bool:
        call = self.ctx.parent(arg)
        if not isinstance(call, cst.Call) or arg.keyword is not None or arg.star:
            return False
        return any(
            self.ctx.resolves_to(call.func, names) and len(call.args) > index and call.args[index] is arg
            for names, index in CLASS_TUPLES
        )

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = absolute_from_module(node)
        if module is None:
            return
        for alias in node.names:
            if alias.asname is None and f"{module}.{alias.evaluated_name}" in ALIAS:
                self._remove_import(node, alias)

    def _remove_import(self, node: cst.ImportFrom, alias: cst.ImportAlias) -> None:
        line = self.ctx.parent(node)
        scope = self.ctx.scope(node)
        message = "`from asyncio import TimeoutError`: the builtin `TimeoutError` is that class (3.11+)"
        names = [a for a in node.names if a is not alias]
        if not names:
            old, new = line, cst.RemoveFromParent()
            kept = []
        else:
            old = node
            new = node.with_changes(names=comma_like(node.names, names))
            kept = [new]
        unsafe_shape = (
            not isinstance(self.ctx.parent(line), (cst.IndentedBlock, cst.Module))
            or len(line.body) != 1
            or scope is None
            or len(scope.assignments["TimeoutError"]) != 1
            or any(isinstance(self.ctx.parent(a.node), cst.Del) for a in scope.accesses["TimeoutError"])
            or loses_comments(old, kept)
            or "'TimeoutError'" in self.ctx.module.code
            or '"TimeoutError"' in self.ctx.module.code
        )
        self.report(alias, message, fix=None if unsafe_shape else self.fix(node).replace(old, new))


def comma_like(original: list, kept: list) -> list:
    """``kept`` (some of ``original``'s elements, args or import names) ending in a comma only
    if ``original`` did."""
    if original and original[-1].comma == cst.MaybeSentinel.DEFAULT:
        return without_trailing_comma(kept)
    return kept
