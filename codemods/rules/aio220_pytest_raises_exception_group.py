import libcst as cst

from ..kit.names import EXCEPTION_GROUPS
from ..kit.syntax import keyword_arg
from ..model import Safety
from ..rule import Rule

RAISES = frozenset({"pytest.raises"})
MESSAGE = "`pytest.raises({})` only checks the group's type: use `pytest.RaisesGroup(...)` to check what it holds"


class PytestRaisesExceptionGroup(Rule):
    """Use ``pytest.RaisesGroup`` instead of ``pytest.raises(ExceptionGroup)``.

    ## Why
    Code under test that uses a ``TaskGroup`` raises ``ExceptionGroup``. ``with
    pytest.raises(ExceptionGroup):`` passes for a group of any exceptions at all, so the
    test no longer checks which error happened: a ``TypeError`` from a typo passes as well as
    the expected ``ValueError``. ``pytest.RaisesGroup(ValueError)`` (pytest 8.4) checks the
    group's contents, and its ``match``/``check`` arguments the rest. flake8-async's ASYNC401.

    ## Fix safety
    Report only: the expected contents of the group are for the test's author to write.

    ## Limitations
    ``pytest.raises`` (any import spelling) whose expected exception, first positional or
    ``expected_exception=``, is ``ExceptionGroup`` or ``BaseExceptionGroup`` (the builtins or the
    ``exceptiongroup`` backport), alone or in a tuple; a type held in a variable is not seen.
    """

    code = "AIO220"
    name = "pytest-raises-exception-group"
    min_python = (3, 7)
    safety = Safety.REPORT
    equivalent_codes = ("ASYNC401",)
    trigger_words = ("raises",)
    anchors = tuple(RAISES)

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.resolves_to(node.func, RAISES):
            return
        keyword = keyword_arg(node, "expected_exception")
        first = node.args[0] if node.args and node.args[0].keyword is None and not node.args[0].star else keyword
        if first is None:
            return
        value = first.value
        kinds = [element.value for element in value.elements] if isinstance(value, cst.Tuple) else [value]
        for kind in kinds:
            if self.ctx.resolves_to(kind, EXCEPTION_GROUPS):
                self.report(node, MESSAGE.format(self.ctx.code_for(kind)))
                return
