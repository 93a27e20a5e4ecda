import libcst as cst

from ..kit.names import EXCEPTION_GROUPS
from ..model import Safety
from ..rule import Rule

MESSAGE = (
    "`{0}` subclasses an exception group without overriding `derive`: `split()` and `subgroup()` "
    "(`except*`, TaskGroup) give plain `ExceptionGroup`s instead of `{0}`"
)


class ExceptionGroupWithoutDerive(Rule):
    """Override ``derive`` in a subclass of ``ExceptionGroup`` or ``BaseExceptionGroup``.

    ## Why
    ``except*`` and ``TaskGroup`` take exception groups apart with ``split()`` and
    ``subgroup()``, which build each part with ``derive(excs)``. The inherited ``derive``
    returns a plain ``ExceptionGroup``: the parts of ``MyErrors`` are no longer ``MyErrors``,
    so an ``except* ...`` clause sees a group without the subclass's attributes and a later
    ``except MyErrors`` no longer matches it. Overriding ``derive`` (returning the subclass,
    with its extra attributes copied) keeps the type. flake8-async's ASYNC126.

    ## Fix safety
    Report only: how to build an instance from a list of exceptions depends on the
    subclass's constructor.

    ## Limitations
    Only direct subclasses (``class E(ExceptionGroup)``, also subscripted
    ``ExceptionGroup[ValueError]``) of the builtins or of the ``exceptiongroup`` backport; a
    ``derive`` assigned rather than defined in the class body is not seen, nor one inherited
    from a class of the project's own in between.
    """

    code = "AIO218"
    name = "exception-group-without-derive"
    min_python = (3, 7)
    safety = Safety.REPORT
    equivalent_codes = ("ASYNC126",)
    trigger_words = ("ExceptionGroup",)
    anchors = tuple(EXCEPTION_GROUPS)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = [arg.value.value if isinstance(arg.value, cst.Subscript) else arg.value for arg in node.bases]
        if not any(self.ctx.resolves_to(base, EXCEPTION_GROUPS) for base in bases):
            return
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        if not any(isinstance(stmt, cst.FunctionDef) and stmt.name.value == "derive" for stmt in body):
            self.report(node.name, MESSAGE.format(node.name.value))
