"""The engine on its own, with a rule that exists only here: encodings, line endings,
byte preservation, suppressions, overlapping fixes, imports, and failures."""

from __future__ import annotations

import codecs

import libcst as cst

from asyncio_upgrade.codemods.api import process_source
from asyncio_upgrade.codemods.model import FixStatus, Safety, Settings
from asyncio_upgrade.codemods.rule import Rule

SETTINGS = Settings(target_version=(3, 12))


class RenameOldApi(Rule):
    """Replaces ``asyncio.old_api(...)`` with ``asyncio.new_api(...)``.

    ## Why
    Test rule.

    ## Fix safety
    Test rule.

    ## Limitations
    Test rule.
    """

    code = "AIO999"
    name = "test-rename"
    safety = Safety.SAFE
    trigger_words = ("old_api",)

    def visit_Call(self, node: cst.Call) -> None:
        if self.ctx.call_name(node) == "asyncio.old_api":
            fix = self.fix(node)
            self.report(node, "old_api is old", fix=fix.replace(node.func, fix.ref("asyncio.new_api")))


class WrapInList(Rule):
    """Wraps every call to ``wrap`` in a list, to make overlapping fixes.

    ## Why
    Test rule.

    ## Fix safety
    Test rule.

    ## Limitations
    Test rule.
    """

    code = "AIO998"
    name = "test-wrap"
    safety = Safety.UNSAFE
    trigger_words = ("wrap",)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "wrap":
            replacement = cst.List([cst.Element(node.with_changes(func=cst.Name("wrapped")))])
            self.report(node, "wrap it", fix=self.fix(node).replace(node, replacement))


class Crashes(Rule):
    """Raises on every call.

    ## Why
    Test rule.

    ## Fix safety
    Test rule.

    ## Limitations
    Test rule.
    """

    code = "AIO997"
    name = "test-crash"
    safety = Safety.SAFE
    trigger_words = ("(",)

    def visit_Call(self, node: cst.Call) -> None:
        raise ValueError("boom")


def run(data: bytes, *, fix: bool = True, rules=(RenameOldApi,), **settings):
    return process_source(data, Settings(**{"target_version": (3, 12), **settings}), fix=fix, rules=rules)


def test_rewrites_and_reuses_the_files_alias() -> None:
    result = run(b"import asyncio as aio\naio.old_api(1)\n")
    assert result.new_source == b"import asyncio as aio\naio.new_api(1)\n"
    assert [f.fix for f in result.findings] == [FixStatus.APPLIED]
    assert result.fixes_applied == 1


def test_adds_the_import_it_needs() -> None:
    result = run(b'"""Doc."""\nfrom asyncio import old_api\n\nold_api()\nold_api\n')
    assert result.new_source == b'"""Doc."""\nimport asyncio\nfrom asyncio import old_api\n\nasyncio.new_api()\nold_api\n'


def test_removes_the_import_its_edit_made_unused() -> None:
    result = run(b'"""Doc."""\nfrom asyncio import old_api\n\nold_api()\n')
    assert result.new_source == b'"""Doc."""\nimport asyncio\n\nasyncio.new_api()\n'


def test_keeps_an_import_that_was_unused_before() -> None:
    result = run(b"import asyncio\nimport json\n\nasyncio.old_api()\n")
    assert result.new_source == b"import asyncio\nimport json\n\nasyncio.new_api()\n"


def test_check_mode_reports_without_rewriting() -> None:
    result = run(b"import asyncio\nasyncio.old_api()\n", fix=False)
    assert result.new_source is None
    (finding,) = result.findings
    assert (finding.code, finding.line, finding.column, finding.fix) == ("AIO999", 2, 1, FixStatus.AVAILABLE)
    assert finding.edits[0].content == "asyncio.new_api"


def test_lookalikes_are_left_alone() -> None:
    source = b"import trio\ndef old_api(): pass\nold_api()\ntrio.old_api()\n"
    assert run(source).new_source is None
    assert run(source).findings == []


def test_crlf_bom_and_comments_survive() -> None:
    source = codecs.BOM_UTF8 + b"import asyncio  # c\r\n\r\n# keep\r\nasyncio.old_api()  # tail\r\n"
    expected = codecs.BOM_UTF8 + b"import asyncio  # c\r\n\r\n# keep\r\nasyncio.new_api()  # tail\r\n"
    assert run(source).new_source == expected


def test_mixed_line_endings_are_kept_line_by_line() -> None:
    source = b"import asyncio\r\nx = 1\nasyncio.old_api()\r\n"
    assert run(source).new_source == b"import asyncio\r\nx = 1\nasyncio.new_api()\r\n"


def test_latin1_with_coding_cookie_stays_latin1() -> None:
    source = "# -*- coding: latin-1 -*-\nimport asyncio\nname = 'café'\nasyncio.old_api()\n".encode("latin-1")
    result = run(source)
    assert result.new_source == source.replace(b"old_api", b"new_api")
    assert b"caf\xe9" in result.new_source


def test_no_trailing_newline_stays_without_one() -> None:
    assert run(b"import asyncio\nasyncio.old_api()").new_source == b"import asyncio\nasyncio.new_api()"


def test_empty_and_comment_only_files() -> None:
    assert run(b"").new_source is None
    assert run(b"# old_api\n").findings == []


def test_bytes_libcst_would_normalise_are_kept() -> None:
    """libcst drops a leading form feed and the space in `except X :`; we keep them."""
    source = b"import asyncio\n\x0c\ntry:\n    pass\nexcept ValueError :\n    pass\nasyncio.old_api()\n"
    assert run(source).new_source == source.replace(b"old_api", b"new_api")


def test_syntax_error_is_a_skip_with_a_position() -> None:
    result = run(b"import asyncio\nasyncio.old_api(\n")
    assert result.skipped and result.skipped.startswith("syntax error at ")
    assert result.new_source is None and not result.internal_error


def test_syntax_error_names_the_line_python_names() -> None:
    result = run(b"import asyncio\nasync def f(:\n    x = 1\n    asyncio.old_api()\n")
    assert result.skipped and result.skipped.startswith("syntax error at 2:"), result.skipped


def test_undecodable_is_a_skip() -> None:
    result = run(b"x = '\xff\xfe old_api'\n")
    assert result.skipped and "UTF-8" in result.skipped and "coding cookie" in result.skipped


def test_python2_source_is_a_skip_not_a_crash() -> None:
    assert run(b"print 'old_api'\n").skipped


def test_noqa_suppresses_by_code_and_bare() -> None:
    source = (
        b"import asyncio\n"
        b"asyncio.old_api()  # noqa\n"
        b"asyncio.old_api()  # noqa: AIO999\n"
        b"asyncio.old_api()  # noqa: AIO123\n"
    )
    result = run(source)
    assert result.new_source == source.replace(b"old_api()  # noqa: AIO123", b"new_api()  # noqa: AIO123")


def test_unsafe_fix_needs_opt_in() -> None:
    source = b"wrap(1)\n"
    assert run(source, rules=(WrapInList,)).new_source is None
    assert run(source, rules=(WrapInList,), fix=False).findings[0].fix is FixStatus.UNSAFE
    assert run(source, rules=(WrapInList,), unsafe_fixes=True).new_source == b"[wrapped(1)]\n"


def test_overlapping_fixes_land_over_several_passes() -> None:
    result = run(b"wrap(wrap(1))\n", rules=(WrapInList,), unsafe_fixes=True)
    assert result.new_source == b"[wrapped([wrapped(1)])]\n"


def test_fix_below_the_target_is_withheld_and_counted() -> None:
    class NeedsNew(RenameOldApi):
        __doc__ = RenameOldApi.__doc__
        min_python = (3, 13)

    result = run(b"import asyncio\nasyncio.old_api()\n", rules=(NeedsNew,))
    assert result.new_source is None and result.findings == []
    assert result.withheld_by_target == {(3, 13): 1}


def test_prefilter_skips_parsing() -> None:
    assert not run(b"x = 1\n").parsed
    assert run(b"x = 1\n", prefilter=False).parsed


def test_a_crashing_rule_is_an_internal_error_naming_it() -> None:
    result = run(b"f()\n", rules=(Crashes,))
    assert result.internal_error and "AIO997" in result.skipped and "boom" in result.skipped


def test_deep_nesting_does_not_raise() -> None:
    source = b"x = " + b"(" * 5000 + b"old_api" + b")" * 5000 + b"\n"
    result = run(source)
    assert result.skipped is not None


def test_skip_file_comment_and_generated_marker() -> None:
    source = b"import asyncio\nasyncio.old_api()\n"
    assert run(b"# asyncio-upgrade: skip-file\n" + source).findings == []
    generated = b"# @generated by protoc\n" + source
    assert run(generated).findings == []
    assert run(generated, include_generated=True).new_source == generated.replace(b"old_api", b"new_api")
    assert run(b"x = 1\n" * 1000 + b"# @generated later in the file\n" + source).new_source is not None


class WrapCall(Rule):
    """Wraps ``old_api(...)`` calls in a very long helper name, to overflow the line.

    ## Why
    Test rule.

    ## Fix safety
    Test rule.

    ## Limitations
    Test rule.
    """

    code = "AIO996"
    name = "test-long"
    safety = Safety.SAFE
    trigger_words = ("old_api",)

    def visit_Call(self, node: cst.Call) -> None:
        parent = self.ctx.parent(self.ctx.parent(node))
        already = isinstance(parent, cst.Call) and getattr(parent.func, "value", "").startswith("a_rather")
        if self.ctx.call_name(node) == "asyncio.old_api" and not already:
            fix = self.fix(node)
            wrapped = cst.Call(cst.Name("a_rather_long_helper_function_name_for_wrapping"), [cst.Arg(node)])
            self.report(node, "wrap", fix=fix.replace(node, wrapped))


BLACK = (88, True, True, False, ())


def test_black_formatted_file_stays_black_formatted() -> None:
    source = b'import asyncio\n\nresult = some_function_name(first_argument_value, asyncio.old_api("x"))\n'
    result = run(source, rules=(WrapCall,), black=BLACK)
    assert result.new_source == (
        b"import asyncio\n\nresult = some_function_name(\n"
        b"    first_argument_value,\n"
        b'    a_rather_long_helper_function_name_for_wrapping(asyncio.old_api("x")),\n'
        b")\n"
    )


def test_unformatted_file_gets_only_the_edit() -> None:
    source = b"import asyncio\nresult = some_function_name( first_argument_value,asyncio.old_api('x') )\n"
    result = run(source, rules=(WrapCall,), black=BLACK)
    assert result.new_source == source.replace(
        b"asyncio.old_api('x')", b"a_rather_long_helper_function_name_for_wrapping(asyncio.old_api('x'))"
    )


def test_attribute_of_a_call_is_not_the_callee() -> None:
    """libcst gives `input().strip` the qualified name of `input`; the context must not."""

    class FindsInput(RenameOldApi):
        __doc__ = RenameOldApi.__doc__
        trigger_words = ("input",)

        def visit_Call(self, node: cst.Call) -> None:
            if self.ctx.resolves_to(node.func, {"builtins.input"}):
                self.report(node, "input")

    result = run(b"input().strip()\nopen(p).read()\nx[0].y()\n", fix=False, rules=(FindsInput,))
    assert [(f.line, f.column, f.end_column) for f in result.findings] == [(1, 1, 8)]


def test_attribute_of_a_call_is_named_after_the_call() -> None:
    source = b"import asyncio\nasyncio.get_event_loop_policy().set_child_watcher(None)\nasyncio.get_event_loop().x.y()\n"
    module = cst.parse_module(source.decode())
    from libcst.metadata import MetadataWrapper

    from asyncio_upgrade.codemods.context import FileContext

    ctx = FileContext(MetadataWrapper(module, unsafe_skip_copy=True), Settings())
    calls = [stmt.body[0].value for stmt in module.body[1:]]
    assert ctx.qualified_names(calls[0].func) == {"asyncio.get_event_loop_policy().set_child_watcher"}
    assert ctx.qualified_names(calls[1].func) == set()


def test_fast_qualified_names_agree_with_libcst_on_every_golden_case(monkeypatch) -> None:
    """Every answer ModuleNames gives instead of libcst's ScopeProvider is libcst's answer
    (a disagreement raises, and the engine reports it as an internal error)."""
    from asyncio_upgrade.codemods import context

    from conftest import FIXTURES

    monkeypatch.setattr(context, "CROSS_CHECK_NAMES", True)
    inputs = sorted(FIXTURES.glob("*/*.input.py"))
    assert len(inputs) > 500
    for path in inputs:
        for fix in (False, True):
            result = process_source(path.read_bytes(), Settings(unsafe_fixes=True, prefilter=False), fix=fix)
            assert not result.internal_error, (path, result.skipped)


def test_parent_map_is_libcsts_parent_provider() -> None:
    from libcst.metadata import MetadataWrapper, ParentNodeProvider

    from asyncio_upgrade.codemods.context import parent_map
    from conftest import FIXTURES

    for path in sorted(FIXTURES.glob("aio2*/*.input.py"))[:80]:
        module = cst.parse_module(path.read_text(encoding="utf-8"))
        expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ParentNodeProvider)
        assert parent_map(module) == dict(expected), path


def test_resolve_scopes_is_libcsts_scope_provider() -> None:
    from libcst.metadata import MetadataWrapper, ScopeProvider

    from asyncio_upgrade.codemods.context import parent_map, resolve_scopes
    from conftest import FIXTURES

    def summary(scopes, module):
        """Per node: its scope's kind and what each Name there can mean."""
        out = []
        for node in parent_map(module):
            scope = scopes.get(node)
            names = sorted(q.name for q in scope.get_qualified_names_for(node)) if scope and isinstance(node, cst.Name) else None
            out.append((type(scope).__name__, names))
        return out

    for path in sorted(FIXTURES.glob("aio[34]*/*.input.py"))[:80]:
        module = cst.parse_module(path.read_text(encoding="utf-8"))
        ours = resolve_scopes(MetadataWrapper(module, unsafe_skip_copy=True))
        theirs = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ScopeProvider)
        assert summary(ours, module) == summary(theirs, module), path


def _apply_text_edits(text: str, edits) -> str:
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    for edit in sorted(edits, key=lambda e: (e.line, e.column), reverse=True):
        start = offsets[edit.line - 1] + edit.column
        end = offsets[edit.end_line - 1] + edit.end_column
        text = text[:start] + edit.content + text[end:]
    return text


def test_a_findings_edits_rewrite_the_text_as_its_fix_rewrites_the_tree() -> None:
    """The edits in JSON/SARIF output apply to the file as written (indentation of nested
    statements, newlines, several statements for one) exactly as the engine's tree edit does."""
    from asyncio_upgrade.codemods import engine
    from asyncio_upgrade.codemods.registry import all_rules
    from golden import all_cases

    checked = 0
    for case in all_cases():
        if not case.changes:
            continue
        text = case.input_path.read_text(encoding="utf-8")
        module = cst.parse_module(text)
        settings = case.settings(None)
        ctx, reports = engine._run_rules(module, all_rules(), settings, text)
        findings, applicable = engine._triage(ctx, reports, settings, None)
        for report in applicable:
            edits = engine._edits(ctx, report)
            by_tree = module.visit(engine._ApplyEdits(dict(report.fix.edits))).code
            assert _apply_text_edits(text, edits) == by_tree, (case.id, report.rule.code, edits)
            checked += 1
    assert checked > 300


def test_symbols_of_is_get_symbols() -> None:
    """module_names.symbols_of answers every question get_symbols' symbols answer, in every
    table of a real module."""
    import symtable
    import sysconfig
    from pathlib import Path

    from asyncio_upgrade.codemods.module_names import symbols_of

    source = (Path(sysconfig.get_paths()["stdlib"]) / "asyncio" / "base_events.py").read_text(encoding="utf-8")
    source += "\nclass K:\n    def f(self):\n        global q\n        q = 1\n\n\ndef g():\n    n = 1\n\n    def h():\n        nonlocal n\n        n = [n for n in ()]\n"
    questions = ("get_name", "is_local", "is_global", "is_imported", "is_assigned", "is_declared_global",
                 "is_nonlocal", "is_referenced", "is_free", "is_annotated", "is_parameter")
    tables = [symtable.symtable(source, "<case>", "exec")]
    for table in tables:
        tables.extend(table.get_children())
        expected = [[getattr(s, q)() for q in questions] for s in table.get_symbols()]
        assert [[getattr(s, q)() for q in questions] for s in symbols_of(table)] == expected, table
    assert len(tables) > 100


def test_findings_after_a_fix_are_what_check_finds_in_the_new_source() -> None:
    """FileResult.findings_after spares `fix --output-format` a second engine run: where the
    engine gives it, it must be exactly what `check` says about the rewritten source."""
    from golden import all_cases

    given = 0
    for case in all_cases():
        settings = case.settings(None)
        result = process_source(case.input_path.read_bytes(), settings, fix=True)
        if result.new_source is None:
            assert result.findings_after is None
            continue
        if result.findings_after is not None:
            given += 1
            assert result.findings_after == process_source(result.new_source, settings, fix=False).findings, case.id
    assert given > 250
