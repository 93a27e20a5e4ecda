"""The rule kit: what rules share, one module per concept.

``names`` (qualified-name sets and matchers), ``syntax`` (call shapes, parentheses, comments),
``imports`` (import bindings and their removal), ``statements``, ``scope`` (walking, the enclosing
function), ``values`` (what a name is bound to), ``threads`` (``await`` / ``to_thread`` builders),
``findings`` (reporting without a fix), ``blocking`` (the table-shaped blocking-call rules),
``testcases`` (test classes, pytest tests and fixtures), ``loop_tests`` (test methods that
drive a loop, made coroutines), ``script_end`` (what runs after a statement, and inert code),
``block_edits`` (blank lines and comments of moved statements), and AIO101's ``forever``,
``forever_main`` and ``loop_param``.
A helper used by one rule lives in that rule's module instead.
"""
