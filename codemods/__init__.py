"""Everything that knows Python source: rules, the engine, and the result types.

Bytes in, result out; nothing here touches the file system. The CLI imports only
``asyncio_upgrade.codemods.api``.
"""
