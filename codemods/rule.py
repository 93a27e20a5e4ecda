"""The contract every rule class fulfils, and the fix builder rules use.

A rule is a visitor: it defines ``visit_<Node>`` / ``leave_<Node>`` methods, which the
engine calls in one shared traversal with every other rule, and calls ``self.report``
for each anti-pattern it finds, optionally with a ``Fix``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Dict, List, Optional, Tuple, Union

import libcst as cst

from .kit.findings import without_fix
from .model import ImportRequest, RuleInfo, Safety, Version  # noqa: F401  (ImportRequest: re-exported)
from .prefilter import short_anchors

if TYPE_CHECKING:
    from .binding_edits import BindingRemoval
    from .context import FileContext

Replacement = Union[cst.CSTNode, cst.RemovalSentinel, cst.FlattenSentinel]

_CODE = re.compile(r"^AIO[1-9][0-9]{2}$")
_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_DOC_SECTIONS = ("## Why", "## Fix safety", "## Limitations")


@dataclass
class Fix:
    """Edits of original nodes, plus the imports they need. Built by ``Rule.fix``."""

    ctx: "FileContext"
    anchor: cst.CSTNode
    edits: Dict[cst.CSTNode, Replacement] = field(default_factory=dict)
    add_imports: List[ImportRequest] = field(default_factory=list)
    remove_imports: List[ImportRequest] = field(default_factory=list)
    # Locals to remove if the pass leaves them unused (``kit.bindings``).
    remove_bindings: List["BindingRemoval"] = field(default_factory=list)
    blocked: Optional[str] = None

    def replace(self, old: cst.CSTNode, new: Replacement) -> "Fix":
        self.edits[old] = new
        return self

    def remove(self, old: cst.CSTNode) -> "Fix":
        return self.replace(old, cst.RemoveFromParent())

    def ref(self, dotted: str) -> cst.BaseExpression:
        """An expression naming ``dotted`` (``"asyncio.run"``) at the anchor.

        Reuses the file's own import (``aio.run`` after ``import asyncio as aio``,
        ``run`` after ``from asyncio import run``) or schedules ``import asyncio``.
        When no spelling can be made to work (``asyncio`` shadowed locally) the fix
        is blocked and the finding is reported without one.
        """
        spelling, needed = self.ctx.imports.spell(dotted, self.anchor)
        if spelling is None:
            self.blocked = f"`{dotted.split('.')[0]}` is shadowed here"
            return cst.Name(dotted.rpartition(".")[2])
        if needed is not None:
            self.add_imports.append(needed)
        return cst.parse_expression(spelling)

    def add_import(self, module: str, obj: Optional[str] = None, asname: Optional[str] = None) -> "Fix":
        self.add_imports.append(ImportRequest(module, obj, asname))
        return self

    def remove_import_if_unused(
        self, module: str, obj: Optional[str] = None, asname: Optional[str] = None
    ) -> "Fix":
        self.remove_imports.append(ImportRequest(module, obj, asname))
        return self

    def parse_statement(self, code: str, **replacements: cst.CSTNode) -> cst.BaseStatement:
        """Parse a snippet (``{name}`` holes filled by nodes) with the file's own config."""
        config = self.ctx.module.config_for_parsing
        if replacements:
            from libcst.helpers import parse_template_statement

            return parse_template_statement(code, config, **replacements)
        return cst.parse_statement(code, config)

    def parse_expression(self, code: str, **replacements: cst.CSTNode) -> cst.BaseExpression:
        config = self.ctx.module.config_for_parsing
        if replacements:
            from libcst.helpers import parse_template_expression

            return parse_template_expression(code, config, **replacements)
        return cst.parse_expression(code, config)


@dataclass
class Report:
    rule: "Rule"
    node: cst.CSTNode
    message: str
    fix: Optional[Fix]
    unsafe: bool
    min_python: Version


class Rule:
    """Base class of every rule. Subclasses set the class attributes below.

    The docstring is the user's documentation: a one-sentence summary, then
    ``## Why``, ``## Fix safety`` and ``## Limitations`` sections.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    min_python: ClassVar[Version] = (3, 7)
    safety: ClassVar[Safety]
    # Codes of other tools that mean the same thing; their `# noqa` is honoured.
    equivalent_codes: ClassVar[Tuple[str, ...]] = ()
    # The file is parsed for this rule only if it contains one of these strings.
    trigger_words: ClassVar[Tuple[str, ...]]
    # Qualified names (or packages) one of which the file must refer to for this rule to fire:
    # files that refer to none are not parsed for it (``codemods/prefilter.py``). Empty: no check.
    anchors: ClassVar[Tuple[str, ...]] = ()
    # The rule only fires inside ``async def``: files without one are not parsed for it.
    needs_async_def: ClassVar[bool] = False
    # The CLI hands a file project facts (what the project's other modules say: ``ctx.facts()``,
    # ``ctx.function_kind``) only when it contains one of the words of a selected rule.
    facts_words: ClassVar[Tuple[str, ...]] = ()
    # Extra libcst metadata providers this rule reads (scopes and parents are always there).
    METADATA_DEPENDENCIES: ClassVar[Tuple[type, ...]] = ()
    # False for an opinionated opt-in (an AIO9xx rule; every one is, a registry test checks): run
    # when selected by its code, a prefix of it or `ALL`, never by the default selection.
    selected_by_default: ClassVar[bool] = True
    # Set by the registry from the module name, e.g. "aio201_gather_to_taskgroup".
    key: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        _check_contract(cls)

    def __init__(self, ctx: "FileContext") -> None:
        self.ctx = ctx

    def fix(self, anchor: cst.CSTNode) -> Fix:
        """Start a fix whose new code will live where ``anchor`` is."""
        return Fix(self.ctx, anchor)

    def report(
        self,
        node: cst.CSTNode,
        message: str,
        *,
        fix: Optional[Fix] = None,
        unsafe: bool = False,
        min_python: Optional[Version] = None,
    ) -> None:
        """Record a finding at ``node``.

        ``unsafe`` downgrades this site's fix to unsafe; ``min_python`` raises the
        version this site's fix needs above the rule's own.
        """
        if fix is not None and fix.blocked:
            message = without_fix(message, fix.blocked)
            fix = None
        self.ctx.reports.append(
            Report(
                rule=self,
                node=node,
                message=message,
                fix=fix,
                unsafe=unsafe or self.safety is Safety.UNSAFE,
                min_python=max(min_python or self.min_python, self.min_python),
            )
        )

    @classmethod
    def info(cls) -> RuleInfo:
        doc = _dedent_doc(cls.__doc__ or "")
        return RuleInfo(
            code=cls.code,
            name=cls.name,
            key=cls.key,
            summary=doc.split("\n\n", 1)[0].replace("\n", " ").strip(),
            min_python=cls.min_python,
            safety=cls.safety,
            equivalent_codes=tuple(cls.equivalent_codes),
            trigger_words=tuple(cls.trigger_words),
            anchors=short_anchors(cls.anchors),
            needs_async_def=cls.needs_async_def,
            selected_by_default=cls.selected_by_default,
            facts_words=tuple(cls.facts_words),
        )


def _dedent_doc(doc: str) -> str:
    import inspect

    return inspect.cleandoc(doc)


def _check_contract(cls: type) -> None:
    if cls.__dict__.get("__abstract__"):
        return
    where = f"{cls.__module__}.{cls.__qualname__}"
    problems = []
    if not _CODE.match(getattr(cls, "code", "")):
        problems.append("code must look like AIO123")
    if not _NAME.match(getattr(cls, "name", "")):
        problems.append("name must be kebab-case")
    if not isinstance(getattr(cls, "safety", None), Safety):
        problems.append("safety must be a Safety")
    version = getattr(cls, "min_python", None)
    if not (isinstance(version, tuple) and len(version) == 2 and all(isinstance(v, int) for v in version)):
        problems.append("min_python must be a (major, minor) tuple")
    default = getattr(cls, "selected_by_default", True)
    if not isinstance(default, bool) or not default and not getattr(cls, "code", "").startswith("AIO9"):
        problems.append("selected_by_default must be a bool, and False only for an AIO9xx opt-in")
    words = getattr(cls, "trigger_words", ())
    if not words or not all(isinstance(w, str) and w for w in words):
        problems.append("trigger_words must be a non-empty tuple of strings")
    anchors = getattr(cls, "anchors", ())
    if isinstance(anchors, str) or not all(isinstance(a, str) and a for a in anchors):
        problems.append("anchors must be qualified names")
    doc = cls.__doc__ or ""
    missing = [s for s in _DOC_SECTIONS if s not in doc]
    if not doc.strip() or missing:
        problems.append(f"docstring needs a summary and sections {', '.join(missing) or ''}".rstrip())
    if problems:
        raise TypeError(f"{where}: " + "; ".join(problems))
