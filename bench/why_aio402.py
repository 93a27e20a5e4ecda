"""Why AIO402 could not prove a ``yield from`` operand awaitable: a bucket for each unknown operand.

``reach.py --why AIO402`` records, while the check pass runs, every operand ``operand_kind``
answers UNKNOWN for, and sorts it by what the operand is (a call of a first-party function the
facts know or not, a method on ``self``, on a parameter, on ``self.attr``, a third-party call...).
Measurement only: the buckets name shapes, they prove nothing.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable, Dict, List, Tuple

import libcst as cst

from asyncio_upgrade.codemods.rules import aio402_coroutine_decorator as rule
from asyncio_upgrade.codemods.kit.awaitables import UNKNOWN
from asyncio_upgrade.codemods.kit.instances import receiver_classes
from asyncio_upgrade.codemods.kit.scope import function_of

Seen = List[Tuple[int, str, str]]  # (site: the function's line, bucket, operand as written)


def recording(seen: Seen) -> Callable[[], None]:
    """Make the rule's ``operand_kind`` add to ``seen`` the bucket of every unknown operand;
    returns the function that undoes it."""
    original = rule.operand_kind

    def operand_kind(ctx, expr: cst.BaseExpression) -> str:
        kind = original(ctx, expr)
        if kind == UNKNOWN:
            site = ctx.position(function_of(ctx, expr)).start.line
            seen.append((site, bucket(ctx, expr), " ".join(ctx.code_for(expr).split())[:80]))
        return kind

    rule.operand_kind = operand_kind
    return lambda: setattr(rule, "operand_kind", original)


def bucket(ctx, expr: cst.BaseExpression) -> str:
    if not isinstance(expr, cst.Call):
        return f"not a call: {_value(ctx, expr)}"
    func = expr.func
    if isinstance(func, cst.Name):
        binding = _binding(ctx, func)
        if binding == "parameter" or binding.startswith("local"):
            return f"call of a name ({binding})"
        return f"call of {_function(ctx, func)}"
    if isinstance(func, cst.Attribute):
        return f"method call on {_receiver(ctx, func)}"
    return "call of another expression"


def _value(ctx, expr: cst.BaseExpression) -> str:
    if isinstance(expr, cst.Name):
        return f"a name ({_binding(ctx, expr)})"
    if isinstance(expr, cst.Attribute):
        base = expr.value
        return "self.attr" if isinstance(base, cst.Name) and base.value == "self" else "another attribute"
    return type(expr).__name__


def _binding(ctx, name: cst.Name) -> str:
    scope = ctx.scope(name)
    assignments = list(scope[name.value]) if scope is not None else []
    if not assignments:
        return "global or builtin"
    nodes = {type(getattr(a, "node", None)).__name__ for a in assignments}
    if nodes == {"Param"}:
        return "parameter"
    if any(isinstance(getattr(a, "node", None), (cst.Import, cst.ImportFrom)) for a in assignments):
        return "imported"
    if isinstance(ctx.scope(name), cst.metadata.GlobalScope):
        return "module-level " + "/".join(sorted(nodes))
    return "local " + "/".join(sorted(_bound_by(ctx, a) for a in assignments))


def _bound_by(ctx, assignment) -> str:
    """What binds a local name: ``x = yield from f()``, ``x = f()``, a ``for`` target..."""
    node = getattr(assignment, "node", None)
    if not isinstance(node, cst.Name):
        return type(node).__name__
    holder = ctx.parent(node)
    while isinstance(holder, (cst.Element, cst.Tuple, cst.List)):
        holder = ctx.parent(holder)
    if isinstance(holder, cst.AssignTarget):
        value = ctx.parent(holder).value
        if isinstance(value, cst.Yield):
            return "= yield from"
        if isinstance(value, cst.Await):
            return "= await"
        return "= call" if isinstance(value, cst.Call) else f"= {type(value).__name__}"
    return type(holder).__name__


def _function(ctx, func: cst.BaseExpression) -> str:
    """A called name or dotted module function: third-party, first-party (and what the facts
    say of it), or local."""
    names = ctx.qualified_names(func)
    facts = ctx.facts()
    if not names:
        return "a first-party name (shadowing a matched package)" if isinstance(func, cst.Name) else "?"
    kinds = set()
    for name in names:
        absolute = facts.absolute(name)
        if absolute is None:
            top = name.partition(".")[0]
            imported = top in facts.imported_names(facts.module)
            kinds.add(f"a third-party function ({top})" if imported else "a local name (no facts)")
            continue
        kinds.add(f"a first-party function (facts: {facts.kind_of(absolute) or 'no kind'})")
    return " | ".join(sorted(kinds))


def _receiver(ctx, func: cst.Attribute) -> str:
    base = func.value
    if isinstance(base, cst.Name) and base.value in ("self", "cls"):
        return f"{base.value} ({_known(ctx, base, func.attr.value)})"
    if isinstance(base, cst.Call) and isinstance(base.func, cst.Name) and base.func.value == "super":
        return "super()"
    if isinstance(base, cst.Attribute) and isinstance(base.value, cst.Name) and base.value.value == "self":
        return f"self.attr ({_known(ctx, base, func.attr.value)})"
    if isinstance(base, cst.Name):
        binding = _binding(ctx, base)
        if binding == "imported" or binding == "global or builtin":
            return _function(ctx, func)
        return f"a name ({binding}; {_known(ctx, base, func.attr.value)})"
    if isinstance(base, cst.Attribute):
        names = ctx.qualified_names(func)
        if names:
            return _function(ctx, func)
        return "another attribute"
    return type(base).__name__


def _known(ctx, base: cst.BaseExpression, method: str) -> str:
    """Whether the receiver's class is known, and what the facts say of the method."""
    classes = receiver_classes(ctx, base)
    if not classes:
        return "class unknown"
    facts = ctx.facts()
    kinds = {facts.method_kind(cls, method) for cls in classes}
    return "class known, method: " + "/".join(sorted(str(k) for k in kinds))


def report(per_file: Dict[str, Seen], top: int = 3) -> List[str]:
    """Operands per bucket with a few examples; sites (functions) with an unknown operand, and
    per bucket the sites it alone keeps unsafe (every unknown operand of theirs is in it)."""
    operands: Counter = Counter()
    alone: Counter = Counter()
    examples: Dict[str, List[str]] = {}
    sites = 0
    projects: Dict[str, Counter] = {}
    for path, seen in per_file.items():
        by_site: Dict[int, set] = {}
        project = path.split("/unpacked/")[-1].partition("/")[0]
        for site, name, code in seen:
            operands[name] += 1
            projects.setdefault(name, Counter())[project] += 1
            by_site.setdefault(site, set()).add(name)
            shown = examples.setdefault(name, [])
            if len(shown) < top and not any(e.startswith(project + "/") for e in shown):  # one per project
                shown.append(f"{path.split('/unpacked/')[-1]}:{site}: {code}")
        sites += len(by_site)
        alone.update(next(iter(names)) for names in by_site.values() if len(names) == 1)
    lines = [f"\nAIO402 unknown `yield from` operands: {sum(operands.values())}, in {sites} functions",
             "  operands  sites (this bucket alone)  bucket"]
    for name, count in operands.most_common():
        most = ", ".join(f"{p} {n}" for p, n in projects[name].most_common(3))
        lines.append(f"  {count:8d}  {alone[name]:5d}  {name}  [{most}]")
        lines += [f"                   {example}" for example in examples[name]]
    return lines
