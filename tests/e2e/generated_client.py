"""A Python client generated from the served `/openapi.json` with `openapi-python-client`
(pinned in tests/e2e/openapi-client-requirements.txt), for driving the API as an integrator
would: from the published contract only. Generated at test time into a temporary folder;
never committed.

The generator runs in a venv of its own (its typer pin conflicts with Sinergi's), built once
under `.venv/tools/` from the pinned requirements.
"""

from __future__ import annotations

import fcntl
import importlib
import subprocess
import sys
import uuid
import venv
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

from config.settings import PROJECT_ROOT

REQUIREMENTS = Path(__file__).with_name("openapi-client-requirements.txt")
TOOL_VENV = PROJECT_ROOT / ".venv" / "tools" / "openapi-python-client"
GENERATOR = TOOL_VENV / "bin" / "openapi-python-client"
_STAMP = TOOL_VENV / ".requirements"


def ensure_generator() -> Path:
    """The generator's executable, installing it (once per requirements change) if needed."""
    TOOL_VENV.parent.mkdir(parents=True, exist_ok=True)
    with (TOOL_VENV.parent / ".openapi-python-client.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test processes never build it at once
        wanted = REQUIREMENTS.read_text()
        if not GENERATOR.exists() or not _STAMP.exists() or _STAMP.read_text() != wanted:
            venv.create(TOOL_VENV, with_pip=True, clear=True)
            subprocess.run(
                [str(TOOL_VENV / "bin" / "pip"), "install", "--quiet", "-r", str(REQUIREMENTS)],
                check=True,
            )
            _STAMP.write_text(wanted)
    return GENERATOR


def generate(openapi_url: str, into: Path) -> ModuleType:
    """Generate the client from `openapi_url` into `into` and import it (a fresh name each
    time, so two generations in one process never share modules)."""
    name = f"sinergi_client_{uuid.uuid4().hex[:8]}"
    spec = into / "openapi.json"
    spec.write_bytes(httpx.get(openapi_url, timeout=30).raise_for_status().content)
    subprocess.run(
        [str(ensure_generator()), "generate", "--path", str(spec),
         "--output-path", str(into / name), "--meta", "none"],
        check=True, capture_output=True, cwd=into,
    )  # fmt: skip
    sys.path.insert(0, str(into))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(into))


@dataclass
class Calls:
    """Every request a flow sends, and the distinct credentials (tokens, signatures) used."""

    count: int = 0
    polls: int = 0
    tokens: set[str] = field(default_factory=set)
    by_step: dict[str, int] = field(default_factory=dict)
    step: str = ""

    async def hook(self, request: httpx.Request) -> None:
        self.count += 1
        self.by_step[self.step] = self.by_step.get(self.step, 0) + 1
        credential = request.headers.get("Authorization") or request.headers.get(
            "X-Simponi-Signature"
        )
        if credential is not None and credential.startswith("Bearer "):
            self.tokens.add(credential)

    def httpx_args(self) -> dict[str, Any]:
        return {"event_hooks": {"request": [self.hook]}}
