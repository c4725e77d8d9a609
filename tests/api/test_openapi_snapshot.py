"""The HTTP surface is a contract: paths, methods and models stay as published.

`openapi_snapshot.json` is the OpenAPI document the API published when it was last changed on
purpose. A refactor must leave it identical; a new or changed route updates the snapshot in a
commit of its own (regenerate with `python -m tests.api.test_openapi_snapshot`), so a
reviewer sees the change to the contract apart from the code that makes it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from api.main import create_app
from config.settings import Environment, Settings

SNAPSHOT = Path(__file__).resolve().parent / "openapi_snapshot.json"


def published() -> dict[str, Any]:
    document: dict[str, Any] = create_app(Settings(environment=Environment.TEST)).openapi()
    # A round trip through JSON, so tuples and lists compare alike with the file.
    loaded: dict[str, Any] = json.loads(json.dumps(document))
    return loaded


def test_the_openapi_document_is_the_recorded_one() -> None:
    recorded = json.loads(SNAPSHOT.read_text())
    current = published()
    assert sorted(current["paths"]) == sorted(recorded["paths"]), "the set of paths changed"
    for path, operations in recorded["paths"].items():
        assert current["paths"][path] == operations, f"{path} changed"
    assert current == recorded


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps(published(), indent=2, sort_keys=True) + "\n")
