"""Everything that knows Python source: rules, the engine, and the result types.

Bytes in, result out; nothing here touches the file system. The CLI imports only
``asyncio_upgrade.codemods.api`` (and ``registry`` for the docs).

The pipeline, in the order a source goes through it (``api.process_source``):

1. source      ``source.py``     bytes to text, keeping encoding, BOM and cookie; file opt-outs
                                 (``skip-file``, ``@generated``) in ``suppress.py``
2. prefilter   ``prefilter.py``  which rules can fire: the text step (words), then the names
                                 step (``ast``: what the imports make each name mean), over the
                                 rules the settings select (``selection.py``). Stages 1 and 2a
                                 are ``api.prepare``, cheap and libcst-free.
3. parse       ``parsing.py``    libcst, on a large-stack thread behind a nesting guard
4. rules       ``engine.py``     one traversal shared by all rules (``rule.py``, ``rules/``),
                                 with ``context.py`` answering what names mean
                                 (``module_names.py``), positions (``positions.py``)
5. fix passes  ``engine.py``     non-overlapping fixes applied, imports edited
                                 (``import_edits.py``), re-parsed, the prefilter asked again
                                 (a fix can give another rule work), until nothing is left
6. splice      ``preserve.py``   only the changed hunks go back into the original text
7. format      ``formatting.py`` a black-formatted file stays black-formatted
8. verify      ``engine.py``     the result parses, compiles, keeps every top-level name, and
                                 is a fixed point; else the file is left as it was

Result types (``model.py``) are plain data; ``manifest.py`` (generated) lets stages 1-2 run
without importing a rule.
"""
