"""Source bytes + settings -> FileResult. One parse, one shared traversal for all rules.

Fixing repeats (bounded) because fixes whose edits overlap cannot be applied in the
same pass: the later one is found again, on the rewritten tree, in the next pass.
"""

from __future__ import annotations

from collections import defaultdict
from functools import partial
from typing import Callable, Collection, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Type

import libcst as cst
from libcst.metadata import MetadataWrapper

from . import context
from .context import FileContext
from .parsing import TooDeeplyNested, parse_module
from .formatting import keep_black_formatting
from .binding_edits import BindingRemoval, watched_nodes, with_bindings_removed
from .import_edits import with_imports_added, with_imports_removed
from .import_order import placed_as_isort_would
from .kit.imports import imports_made_unused
from .model import Edit, FileResult, Finding, FixStatus, Settings
from .preserve import splice_changes
from .manifest import RULES
from .registry import all_rules, rule_in
from .selection import selected_infos
from .rule import ImportRequest, Report, Rule
from .prefilter import rules_that_may_fire
from .source import DecodedSource, quiet_compile
from .suppress import find_suppressions, is_suppressed
from .traversal import IS_NODE, fields_reaching

MAX_PASSES = 8
Span = Tuple[Tuple[int, int], Tuple[int, int]]


class RuleCrash(Exception):
    def __init__(self, code: str, error: BaseException) -> None:
        super().__init__(f"{code} crashed: {type(error).__name__}: {error}")
        self.code = code


def selected_rules(settings: Settings, codes: Optional[Collection[str]] = None) -> List[Type[Rule]]:
    """The registry's rules that ``settings`` selects (and, if given, whose code is in ``codes``)."""
    rules = all_rules() if codes is None else _rules_coded(codes)
    if settings.select is not None:
        rules = [r for r in rules if r.code in settings.select]
    else:
        rules = [r for r in rules if r.selected_by_default]
    if codes is not None:
        rules = [r for r in rules if r.code in codes]
    return rules


def _rules_coded(codes: Collection[str]) -> List[Type[Rule]]:
    """The rules with these codes, each module imported alone (the manifest names it)."""
    return [rule_in(entry["key"]) for entry in RULES if entry["code"] in codes]


def process_decoded(
    decoded: DecodedSource,
    settings: Settings,
    *,
    fix: bool,
    rules: Sequence[Type[Rule]],
    pool: Optional[Sequence[Type[Rule]]] = None,
) -> FileResult:
    """Stages 3 to 8 for a decoded source whose rules the prefilter chose (``api``): parse,
    rules, fix passes, splice, format, verify. ``pool``: the rules later passes may add (the
    selected registry's, unless a caller brings its own). Never raises."""
    may_fire = partial(_selected_that_may_fire, settings=settings) if pool is None else partial(rules_that_may_fire, rules=list(pool))
    return _never_raising(lambda: _process(decoded, settings, fix, list(rules), may_fire) if rules else FileResult())


def _selected_that_may_fire(code: str, settings: Settings) -> List[Type[Rule]]:
    """The selected rules that may fire on ``code``, chosen by their manifest entries: only
    those are imported."""
    return _rules_coded({info.code for info in rules_that_may_fire(code, selected_infos(settings.select))})


def _never_raising(work: Callable[[], FileResult]) -> FileResult:
    try:
        return work()
    except RecursionError:
        return FileResult(skipped="too deeply nested for the parser (RecursionError); left unchanged")
    except RuleCrash as exc:
        return FileResult(skipped=f"internal error: {exc}; left unchanged", internal_error=True)
    except Exception as exc:  # the engine never raises into the CLI
        return FileResult(
            skipped=f"internal error: {type(exc).__name__}: {exc}; left unchanged", internal_error=True
        )


def _process(
    decoded: DecodedSource, settings: Settings, fix: bool, rules: List[Type[Rule]], may_fire: Callable[[str], List[Type[Rule]]]
) -> FileResult:
    """``rules``: those the prefilter kept for this source. A fix can give another rule work (a
    generator made ``async def``, a name newly referred to), so later passes ask the prefilter
    again about the rewritten source: ``may_fire(code)``."""
    text = decoded.text
    try:
        module = parse_module(text)
    except cst.ParserSyntaxError as exc:
        return FileResult(skipped=f"syntax error at {_error_position(text, exc)}: {exc.message}")
    except TooDeeplyNested as exc:
        return FileResult(skipped=f"{exc}; left unchanged")

    result = FileResult(parsed=True)
    ctx, reports = _run_rules(module, rules, settings, text)
    findings, applicable = _triage(ctx, reports, settings, result)
    result.findings = findings
    if not fix or not applicable:
        return result

    roundtrip = code = module.code
    defined_before = _defined_names(module)
    applied_codes: Set[str] = set()
    for _ in range(MAX_PASSES):
        if not applicable:
            break
        module, codes, count = _apply(ctx, applicable)
        applied_codes |= codes
        result.fixes_applied += count
        code = module.code
        try:
            module = parse_module(code)
        except cst.ParserSyntaxError as exc:
            return _broken(result, applied_codes, f"produced code that does not parse ({exc.message})")
        if settings.prefilter:
            rules = may_fire(code)
        ctx, reports = _run_rules(module, rules, settings, code)
        left, applicable = _triage(ctx, reports, settings, None)
    else:
        return _broken(result, applied_codes, "kept finding new fixes (no fixed point)")

    fixed_code = code  # what ``module`` was parsed from
    new_text = splice_changes(text, roundtrip, fixed_code)
    if settings.black is not None and new_text != text:
        new_text = keep_black_formatting(text, new_text, settings.black) or new_text
    problem = _verify(text, new_text, defined_before, module if new_text == fixed_code else None)
    if problem:
        return _broken(result, applied_codes, problem)
    result.findings = [
        _with_status(f, FixStatus.APPLIED) if f.fix is FixStatus.AVAILABLE else f for f in result.findings
    ]
    if new_text != text:
        result.new_source = decoded.encode(new_text)
        if new_text == fixed_code:
            result.findings_after = left
    return result


def _error_position(text: str, exc: cst.ParserSyntaxError) -> str:
    """``line:column`` of a syntax error as Python reports it; libcst may name a later token."""
    try:
        quiet_compile(text, "<source>")
    except SyntaxError as err:
        if err.lineno:
            return f"{err.lineno}:{err.offset or 1}"
    except Exception:  # e.g. null bytes: keep libcst's position
        pass
    return f"{exc.raw_line}:{exc.raw_column + 1}"


def _broken(result: FileResult, codes: Iterable[str], problem: str) -> FileResult:
    result.skipped = f"internal error: {', '.join(sorted(codes))} {problem}; left unchanged (please report)"
    result.internal_error = True
    result.fixes_applied = 0
    return result


def _run_rules(
    module: cst.Module, rules: Sequence[Type[Rule]], settings: Settings, source: Optional[str] = None
) -> Tuple[FileContext, List[Report]]:
    # A fresh tree from our own parse: no need for the wrapper's deep copy.
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    ctx = FileContext(wrapper, settings, source)
    extra = {p for rule in rules for p in rule.METADATA_DEPENDENCIES}
    if extra:
        ctx.extra_metadata = wrapper.resolve_many(extra)
    dispatch = _Dispatch([rule(ctx) for rule in rules], ctx)
    if context.FULL_PATH:
        module.visit(_FullDispatch(dispatch, ctx))
    else:
        dispatch.walk(module)
    return ctx, ctx.reports


def _triage(
    ctx: FileContext, reports: List[Report], settings: Settings, result: Optional[FileResult]
) -> Tuple[List[Finding], List[Report]]:
    """Findings to show, and the reports whose fixes may be applied now."""
    if not reports:
        return [], []
    suppressions = find_suppressions(ctx.module.code if context.FULL_PATH else ctx.text())
    findings: List[Finding] = []
    applicable: List[Report] = []
    for report in reports:
        where = ctx.position(report.node)
        rule = report.rule
        if is_suppressed(
            suppressions, (where.start.line, where.end.line), frozenset((rule.code, *rule.equivalent_codes))
        ):
            continue
        if report.min_python > settings.target_version:
            if result is not None:
                withheld = result.withheld_by_target
                withheld[report.min_python] = withheld.get(report.min_python, 0) + 1
            continue
        unsafe = report.fix is not None and settings.fix_is_unsafe(rule.code, report.unsafe)
        if report.fix is None:
            status = FixStatus.NONE
        elif unsafe and not settings.unsafe_fixes:
            status = FixStatus.UNSAFE
        else:
            status = FixStatus.AVAILABLE
            applicable.append(report)
        findings.append(
            Finding(
                code=rule.code,
                name=rule.name,
                message=report.message,
                line=where.start.line,
                column=where.start.column + 1,
                end_line=where.end.line,
                end_column=where.end.column + 1,
                fix=status,
                edits=_edits(ctx, report) if report.fix is not None else (),
                unsafe=unsafe,
            )
        )
    return findings, applicable


def _edits(ctx: FileContext, report: Report) -> Tuple[Edit, ...]:
    """The fix as text edits that apply to the original source as written: each replaces all the
    text ``old`` generates (its whitespace and, for a statement, its indentation and newline
    included) with what ``new`` generates at the same depth. Imports the fix adds or removes are
    not among them (the diff has them)."""
    assert report.fix is not None
    edits = []
    for old, new in report.fix.edits.items():
        where = ctx.span(old)
        nodes = () if isinstance(new, cst.RemovalSentinel) else new.nodes if isinstance(new, cst.FlattenSentinel) else (new,)
        content = "".join(ctx.code_at_depth_of(old, node) for node in nodes)
        edits.append(Edit(where.start.line, where.start.column, where.end.line, where.end.column, content))
    return tuple(sorted(edits, key=lambda e: (e.line, e.column)))


def _apply(ctx: FileContext, applicable: List[Report]) -> Tuple[cst.Module, Set[str], int]:
    """Apply every fix that does not overlap an earlier one; the rest wait for the next pass."""
    taken: List[Tuple[Tuple[int, int], Tuple[int, int]]] = []
    edits: Dict[cst.CSTNode, object] = {}
    codes: Set[str] = set()
    adds: List[Tuple[List[Span], List[ImportRequest]]] = []  # per fix: its edits' spans, its imports
    removes: List[ImportRequest] = []
    bindings: List[BindingRemoval] = []
    count = 0

    def span(node: cst.CSTNode) -> Span:
        where = ctx.position(node)
        return (where.start.line, where.start.column), (where.end.line, where.end.column)

    ordered = sorted(applicable, key=lambda r: (r.rule.code, span(r.node)))
    for report in ordered:
        fix = report.fix
        assert fix is not None
        spans = [span(node) for node in fix.edits]
        if any(s[0] < t[1] and t[0] < s[1] or s == t for s in spans for t in taken):
            continue
        taken.extend(spans)
        edits.update(fix.edits)
        codes.add(report.rule.code)
        count += 1
        adds.append((spans, fix.add_imports))
        removes.extend(fix.remove_imports)
        for old, new in fix.edits.items():
            removes.extend(imports_made_unused(ctx, old, new))
        bindings.extend(fix.remove_bindings)

    rewritten: Dict[cst.CSTNode, object] = {}
    watched = watched_nodes(bindings)
    module = ctx.module.visit(_ApplyEdits(edits, watched, rewritten, None if context.FULL_PATH else ctx.parent))
    gone: List[Span] = []
    if bindings:
        module, removed_lines, unused = with_bindings_removed(module, bindings, rewritten)
        gone = [span(line) for line in removed_lines]
        removes.extend(unused)
    if removes:
        module = with_imports_removed(module, removes)
    # A fix whose every edit was inside a removed line needs none of its imports.
    needed = [
        request
        for spans, requests in adds
        if not all(any(g[0] <= s[0] and s[1] <= g[1] for g in gone) for s in spans)
        for request in requests
    ]
    if needed:
        module = placed_as_isort_would(module, with_imports_added(module, needed))
    return module, codes, count


def _verify(before: str, after: str, defined_before: Set[str], parsed: Optional[cst.Module] = None) -> Optional[str]:
    """Why ``after`` must not be written, or None. ``parsed``: ``after`` already parsed."""
    try:
        new_module = parsed if parsed is not None else parse_module(after)
    except cst.ParserSyntaxError as exc:
        return f"produced code that does not parse ({exc.message})"
    try:
        quiet_compile(after, "<rewritten>")
    except SyntaxError as exc:
        try:
            quiet_compile(before, "<original>")
        except SyntaxError:
            pass  # this interpreter cannot compile the original either (newer syntax)
        else:
            return f"produced code that does not compile (line {exc.lineno}: {exc.msg})"
    lost = defined_before - _defined_names(new_module)
    if lost:
        return f"removed top-level definitions {sorted(lost)}"
    return None


def _defined_names(module: cst.Module) -> Set[str]:
    return {
        stmt.name.value for stmt in module.body if isinstance(stmt, (cst.FunctionDef, cst.ClassDef))
    }


def _with_status(finding: Finding, status: FixStatus) -> Finding:
    from dataclasses import replace

    return replace(finding, fix=status)


class _ApplyEdits(cst.CSTTransformer):
    """Replaces edited nodes; records in ``rewritten`` what each ``watched`` node became.

    Given ``parent``, it enters only the nodes that hold an edited or watched node: libcst
    rebuilds every node it enters, and a node it does not enter is kept as it is, which is
    what rebuilding it from unchanged children would give (the same code)."""

    def __init__(
        self,
        edits: Dict[cst.CSTNode, object],
        watched: Collection[cst.CSTNode] = (),
        rewritten: Optional[Dict[cst.CSTNode, object]] = None,
        parent: Optional[Callable[[cst.CSTNode], Optional[cst.CSTNode]]] = None,
    ) -> None:
        super().__init__()
        self._edits = edits
        self._watched = watched
        self._rewritten = rewritten if rewritten is not None else {}
        self._holders: Optional[Set[cst.CSTNode]] = None
        if parent is not None:
            self._holders = set()
            for node in (*edits, *watched):
                holder = parent(node)
                while holder is not None and holder not in self._holders:
                    self._holders.add(holder)
                    holder = parent(holder)

    def on_visit(self, node: cst.CSTNode) -> bool:
        return self._holders is None or node in self._holders

    def on_leave(self, original_node, updated_node):  # type: ignore[override]
        replacement = self._edits.get(original_node)
        result = updated_node if replacement is None else replacement
        if original_node in self._watched:
            self._rewritten[original_node] = result
        return result


_Hook = Callable[[cst.CSTNode], object]
_HOOK_CACHE: Dict[type, Tuple[Dict[type, List[str]], Dict[type, List[str]]]] = {}


def _hooks(rule_class: type) -> Tuple[Dict[type, List[str]], Dict[type, List[str]]]:
    """visit_X / leave_X methods of a rule class, by node type (checked against libcst)."""
    if rule_class not in _HOOK_CACHE:
        visits: Dict[type, List[str]] = defaultdict(list)
        leaves: Dict[type, List[str]] = defaultdict(list)
        for attr in dir(rule_class):
            for prefix, table in (("visit_", visits), ("leave_", leaves)):
                if attr.startswith(prefix):
                    node_type = getattr(cst, attr[len(prefix):], None)
                    if not (isinstance(node_type, type) and issubclass(node_type, cst.CSTNode)):
                        raise TypeError(f"{rule_class.__name__}.{attr}: no libcst node {attr[len(prefix):]}")
                    table[node_type].append(attr)
        _HOOK_CACHE[rule_class] = (dict(visits), dict(leaves))
    return _HOOK_CACHE[rule_class]


def _guarded(code: str, hook: _Hook) -> _Hook:
    def call(node: cst.CSTNode) -> object:
        try:
            return hook(node)
        except RecursionError:
            raise
        except Exception as exc:
            raise RuleCrash(code, exc) from exc

    return call


class _Dispatch:
    """Calls every rule's hooks in one walk, and tracks which body each node is in.

    The walk is libcst's own traversal order (``traversal``), reading fields instead of
    rebuilding nodes, and it enters only fields that can hold a node some rule hooks: the
    hooks are called on the same nodes, in the same order, with the same ``body_stack``, as
    ``module.visit`` would call them (``_FullDispatch``, which tests compare it with). Parents
    are noted for the nodes it passes; the context maps the rest of the tree if a rule asks
    about one of them."""

    def __init__(self, rules: Sequence[Rule], ctx: FileContext) -> None:
        self._ctx = ctx
        self.visits: Dict[type, List[_Hook]] = defaultdict(list)
        self.leaves: Dict[type, List[_Hook]] = defaultdict(list)
        for rule in rules:
            visits, leaves = _hooks(type(rule))
            for node_type, names in visits.items():
                self.visits[node_type].extend(_guarded(rule.code, getattr(rule, n)) for n in names)
            for node_type, names in leaves.items():
                self.leaves[node_type].extend(_guarded(rule.code, getattr(rule, n)) for n in names)
        self._wanted = frozenset(self.visits) | frozenset(self.leaves)

    def walk(self, node: cst.CSTNode) -> None:
        node_type = type(node)
        body_stack = self._ctx.body_stack
        if node_type is cst.GeneratorExp:
            body_stack.append(node)
        for hook in self.visits.get(node_type, ()):
            hook(node)
        note_parent = self._ctx.note_parent
        for name in fields_reaching(node, self._wanted):
            value = getattr(node, name)
            owns_body = name == "body" and node_type in _BODY_OWNERS
            if owns_body:
                body_stack.append(node)
            if IS_NODE[type(value)]:
                note_parent(value, node)
                self.walk(value)
            elif type(value) is tuple or type(value) is list:
                for item in value:
                    note_parent(item, node)
                    self.walk(item)
            if owns_body:
                body_stack.pop()
        for hook in self.leaves.get(node_type, ()):
            hook(node)
        if node_type is cst.GeneratorExp:
            body_stack.pop()


class _FullDispatch(cst.CSTVisitor):
    """The same hooks through libcst's own traversal of every node (``context.FULL_PATH``)."""

    def __init__(self, dispatch: _Dispatch, ctx: FileContext) -> None:
        super().__init__()
        self._dispatch = dispatch
        self._ctx = ctx
        self._stack: List[cst.CSTNode] = []  # ancestors of the node being visited

    def on_visit(self, node: cst.CSTNode) -> bool:
        stack = self._stack
        if stack:
            self._ctx.note_parent(node, stack[-1])
        stack.append(node)
        if type(node) is cst.GeneratorExp:
            self._ctx.body_stack.append(node)
        for hook in self._dispatch.visits.get(type(node), ()):
            hook(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        for hook in self._dispatch.leaves.get(type(original_node), ()):
            hook(original_node)
        if type(original_node) is cst.GeneratorExp:
            self._ctx.body_stack.pop()
        self._stack.pop()

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if attribute == "body" and type(node) in _BODY_OWNERS:
            self._ctx.body_stack.append(node)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        if attribute == "body" and type(original_node) in _BODY_OWNERS:
            self._ctx.body_stack.pop()


_BODY_OWNERS = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
