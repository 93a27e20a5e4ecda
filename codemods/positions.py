"""Where nodes are, as libcst's PositionProvider and WhitespaceInclusivePositionProvider say,
computed one statement at a time and only for statements holding a node asked about.

Each provider is a codegen pass over the whole module that records every node's range; on a
big file that costs more than parsing it, twice, to place the handful of nodes a run reports.
Here a plain codegen (five times cheaper) finds the line each top-level statement starts on,
and one pass recording both kinds of range runs over just the statements needed. Top-level
statements start at column 0 and nothing in a statement's codegen depends on what came before,
so the ranges are the providers' own (``tests/test_positions.py`` compares every node). The
same holds one level down for a statement of an indented block, given the indentation of the
blocks around it: in a top-level class or function, a plain codegen of it finds the line each
of its statements starts on, and only the innermost statement holding the node is recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import libcst as cst
from libcst.metadata import CodePosition, CodeRange
from libcst._nodes.internal import CodegenState
from libcst.metadata.position_provider import PositionProvidingCodegenState

from .traversal import TypeTest

_NEWLINE = re.compile(r"\r\n?|\n")  # as the providers count lines, a token at a time


@dataclass(frozen=False)
class _BothRangesState(PositionProvidingCodegenState):
    """PositionProvider's codegen state, also keeping what WhitespaceInclusivePositionProvider
    records (the range of all the text a node generates)."""

    inclusive: Dict[cst.CSTNode, CodeRange] = field(default_factory=dict)

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._stack.pop()
        whole = CodeRange(start, CodePosition(self.line, self.column))
        self.inclusive.setdefault(node, whole)
        self.provider._computed.setdefault(node, whole)


class StatementPositions:
    def __init__(self, module: cst.Module, parent: Callable[[cst.CSTNode], Optional[cst.CSTNode]]) -> None:
        self._module = module
        self._parent = parent
        self._first_lines: Optional[Dict[cst.CSTNode, int]] = None
        self._syntactic: Dict[cst.CSTNode, CodeRange] = {}
        self._inclusive: Dict[cst.CSTNode, CodeRange] = {}
        self._whole_module_done = False
        self._nested_first_lines: Dict[cst.CSTNode, Dict[cst.CSTNode, int]] = {}

    def syntactic(self, node: cst.CSTNode) -> CodeRange:
        """PositionProvider's range: the node's own tokens."""
        return self._ranges(node)[0]

    def inclusive(self, node: cst.CSTNode) -> CodeRange:
        """WhitespaceInclusivePositionProvider's range: all the text the node generates."""
        return self._ranges(node)[1]

    def _ranges(self, node: cst.CSTNode) -> Tuple[CodeRange, CodeRange]:
        if node not in self._syntactic:
            statement = self._top_level_statement(node)
            first_lines = self._statement_first_lines()
            if statement is None or statement not in first_lines:
                self._record(self._module, 1)  # the module, its header or footer: every node
                self._whole_module_done = True
            else:
                inner = self._innermost_statement(node)
                if inner is statement:
                    self._record(statement, first_lines[statement])
                else:
                    lines = self._nested_first_lines.get(statement)
                    if lines is None:
                        lines = self._nested_first_lines[statement] = _statement_lines(
                            self._module, statement, first_lines[statement]
                        )
                    self._record(inner, lines[inner], self._indents(inner))
        return self._syntactic[node], self._inclusive[node]

    def _innermost_statement(self, node: cst.CSTNode) -> cst.CSTNode:
        """The innermost statement of an indented block holding ``node`` (or ``node``), else
        its top-level statement."""
        while True:
            parent = self._parent(node)
            if parent is self._module or parent is None:
                return node
            if type(parent) is cst.IndentedBlock and _IS_STATEMENT[type(node)]:
                return node
            node = parent

    def _indents(self, statement: cst.CSTNode) -> List[str]:
        return indents_around(statement, self._parent, self._module.default_indent)

    def _top_level_statement(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        while True:
            parent = self._parent(node)
            if parent is None:
                return None
            if parent is self._module:
                return node
            node = parent

    def _statement_first_lines(self) -> Dict[cst.CSTNode, int]:
        if self._first_lines is None:
            module = self._module
            line = 1 + _newlines(module, module.header)
            self._first_lines = {}
            for statement in module.body:
                self._first_lines[statement] = line
                line += _newlines(module, (statement,))
        return self._first_lines

    def _record(self, root: cst.CSTNode, first_line: int, indents: Sequence[str] = ()) -> None:
        if self._whole_module_done:
            raise KeyError(root)  # every node of the tree has a range: this one is not in it
        module = self._module
        state = _BothRangesState(
            default_indent=module.default_indent,
            default_newline=module.default_newline,
            provider=SimpleNamespace(_computed=self._syntactic),
            inclusive=self._inclusive,
        )
        state.line = first_line
        state.indent_tokens.extend(indents)
        root._codegen(state)


_IS_STATEMENT = TypeTest((cst.SimpleStatementLine, cst.BaseCompoundStatement))


@dataclass(frozen=False)
class _StatementStartsState(CodegenState):
    """A plain codegen that notes at which token each statement starts."""

    starts: Dict[cst.CSTNode, int] = field(default_factory=dict)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if _IS_STATEMENT[type(node)]:
            self.starts[node] = len(self.tokens)


def _statement_lines(module: cst.Module, top: cst.CSTNode, first_line: int) -> Dict[cst.CSTNode, int]:
    """The line each statement in ``top`` (a top-level statement) starts on. Newlines are
    counted a token at a time, as the providers count them."""
    state = _StatementStartsState(default_indent=module.default_indent, default_newline=module.default_newline)
    top._codegen(state)
    tokens = state.tokens
    lines: Dict[cst.CSTNode, int] = {}
    line, done = first_line, 0
    for statement, start in state.starts.items():  # in the order they start
        for token in tokens[done:start]:
            if "\n" in token or "\r" in token:
                line += len(_NEWLINE.findall(token))
        done = start
        lines[statement] = line
    return lines


def _newlines(module: cst.Module, nodes) -> int:
    state = CodegenState(default_indent=module.default_indent, default_newline=module.default_newline)
    for node in nodes:
        node._codegen(state)
    return sum(len(_NEWLINE.findall(token)) for token in state.tokens)


def indents_around(node: cst.CSTNode, parent_of: Callable[[cst.CSTNode], Optional[cst.CSTNode]],
                   default_indent: str) -> List[str]:
    """The indentation tokens in force where ``node`` starts, outermost first: one for each
    block around it, and for the cases of a ``match``."""
    indents = []
    parent = parent_of(node)
    while parent is not None:
        if isinstance(parent, (cst.IndentedBlock, cst.Match)):
            indents.append(default_indent if parent.indent is None else parent.indent)
        parent = parent_of(parent)
    return indents[::-1]
