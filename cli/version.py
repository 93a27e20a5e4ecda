"""The installed version, for `--version` and SARIF output."""

from __future__ import annotations


def installed_version() -> str:
    # importlib.metadata costs ~10 ms: imported only by the few runs that print the version.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("asyncio-upgrade")
    except PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
        return "unknown"
