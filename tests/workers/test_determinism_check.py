"""Workflow code keeps no state between runs and reads no clock, randomness, environment or
file: what the sandbox refused at run time, checked in the source now that the worker
processes run workflows without it (SINERGI_WORKFLOW_SANDBOX=off, the default).

The check itself (tests/workers/determinism_check.py) is tested here on planted examples:
each bad snippet must be found, each good one passed."""

from __future__ import annotations

import textwrap

import pytest

from config.settings import PROJECT_ROOT
from tests.workers.determinism_check import check, import_closure


def test_workflow_code_and_what_it_imports_keep_no_state_and_read_no_clock() -> None:
    sources = import_closure()
    findings = check(sources)
    assert findings == [], "\n".join(str(f) for f in findings)


def test_the_check_reads_every_workflow_module_and_what_they_import() -> None:
    """The walk itself: a check that read nothing would pass."""
    sources = import_closure()
    on_disk = {f"workflows.{p.stem}" for p in (PROJECT_ROOT / "workflows").glob("*.py")}
    assert on_disk <= set(sources)
    # Imported inside `imports_passed_through`, at any depth (domain.dates through
    # domain.enrolment), and outside domain/ (notices.daily).
    assert {"domain.enrolment", "domain.clock", "domain.dates", "notices.daily"} <= set(sources)
    assert "activities.tasks" not in sources and "api.main" not in sources


def _findings(source: str, module: str = "workflows.planted") -> list[str]:
    return [f.what for f in check({module: textwrap.dedent(source)})]


# Each: a snippet a workflow module might hold, and a word the finding must say.
BAD = {
    "module list appended by a run": (
        """
        SEEN = []

        class Flow:
            def record(self, event):
                SEEN.append(event)
        """,
        "SEEN",
    ),
    "module dict written by a run (domain)": (
        """
        from collections import defaultdict

        COUNTS = defaultdict(int)

        def count(kind):
            COUNTS[kind] += 1
        """,
        "COUNTS",
    ),
    "global rebound": (
        """
        _last = None

        def remember(value):
            global _last
            _last = value
        """,
        "global _last",
    ),
    "class attribute shared by instances": (
        """
        class Flow:
            pending = {}

            def add(self, key, value):
                self.pending[key] = value
        """,
        "Flow.pending",
    ),
    "class attribute assigned from a method": (
        """
        class Flow:
            runs = 0

            @classmethod
            def started(cls):
                cls.runs = cls.runs + 1
        """,
        "cls.runs",
    ),
    "class var of a model": (
        """
        from typing import ClassVar
        from pydantic import BaseModel

        class State(BaseModel):
            registry: ClassVar[dict[str, int]] = {}
        """,
        "State.registry",
    ),
    "mutable default argument": (
        """
        def collect(item, into=[]):
            into.append(item)
            return into
        """,
        "mutable default",
    ),
    "memoised function": (
        """
        from functools import lru_cache

        @lru_cache
        def reviewers(unit):
            return []
        """,
        "memoises",
    ),
    "module-level model that can change": (
        """
        from pydantic import BaseModel, ConfigDict

        class Draft(BaseModel):
            note: str = ""

        class Fixed(BaseModel):
            model_config = ConfigDict(frozen=True)
            note: str = ""

        DRAFT = Draft()
        FIXED = Fixed()
        """,
        "DRAFT",
    ),
    "wall clock": (
        """
        from datetime import datetime, UTC

        def stamp():
            return datetime.now(UTC)
        """,
        "datetime.now",
    ),
    "wall clock, module imported": (
        """
        import datetime as dt

        def today():
            return dt.date.today()
        """,
        "dt.date.today",
    ),
    "utcnow in a model's default": (
        """
        from datetime import datetime
        from pydantic import BaseModel, Field

        class Event(BaseModel):
            at: datetime = Field(default_factory=datetime.utcnow)
        """,
        "datetime.utcnow",
    ),
    "time module": (
        """
        import time

        def elapsed(start):
            return time.monotonic() - start
        """,
        "time.monotonic",
    ),
    "time imported by name": (
        """
        from time import time as seconds

        def stamp():
            return seconds()
        """,
        "seconds",
    ),
    "random": (
        """
        import random

        def pick(reviewers):
            return random.choice(reviewers)
        """,
        "random.choice",
    ),
    "uuid4": (
        """
        from uuid import uuid4

        def key():
            return str(uuid4())
        """,
        "uuid4",
    ),
    "environment": (
        """
        import os

        def limit():
            return int(os.environ.get("LIMIT", "3"))
        """,
        "os.environ",
    ),
    "file": (
        """
        def template():
            with open("letter.txt") as f:
                return f.read()
        """,
        "open",
    ),
    "wall clock in the wrong branch": (
        """
        from datetime import UTC, datetime
        from temporalio import workflow

        def now():
            return datetime.now(UTC) if workflow.in_workflow() else workflow.now()
        """,
        "datetime.now",
    ),
}


def _module(example: str) -> str:
    """Where a planted example sits: workflows/ unless its name says domain/."""
    return "domain.planted" if "(domain)" in example else "workflows.planted"


@pytest.mark.parametrize("example", list(BAD))
def test_the_check_finds_each_planted_mistake(example: str) -> None:
    source, said = BAD[example]
    findings = _findings(source, _module(example))
    assert any(said in what for what in findings), findings


def test_the_check_follows_state_changed_from_another_module() -> None:
    findings = check(
        {
            "domain.tables": "REVIEWERS = {'upt': []}\n",
            "workflows.flow": textwrap.dedent(
                """
                from domain import tables
                from domain.tables import REVIEWERS

                def add(unit, name):
                    REVIEWERS[unit] = [name]

                def drop():
                    tables.REVIEWERS.clear()
                """
            ),
        }
    )
    assert [(f.module, f.line) for f in findings] == [("workflows.flow", 6), ("workflows.flow", 9)]


def test_the_check_finds_the_sandbox_probe() -> None:
    """The workflow the sandbox refuses at run time (tests/workers/sandbox_probe.py) is
    refused here from its source, as it would run unsandboxed."""
    probe = (PROJECT_ROOT / "tests" / "workers" / "sandbox_probe.py").read_text()
    assert any("random.random" in f.what for f in check({"tests.workers.sandbox_probe": probe}))


GOOD = {
    "the workflow's own clock, randomness and ids": """
        import uuid
        from temporalio import workflow

        class Flow:
            def stamp(self):
                return workflow.now(), workflow.random().random(), workflow.uuid4()

            def key(self, case_id):
                return uuid.uuid5(uuid.NAMESPACE_URL, case_id)
        """,
    "the wall clock only outside workflows": """
        from datetime import UTC, datetime
        from temporalio import workflow

        def now_utc():
            return workflow.now() if workflow.in_workflow() else datetime.now(UTC)

        def later():
            if workflow.in_workflow():
                return workflow.now()
            else:
                return datetime.now(UTC)
        """,
    "state per instance, built in __init__": """
        class Flow:
            def __init__(self):
                self.pending = {}
                self.seen = []

            def add(self, key):
                self.pending[key] = True
                self.seen.append(key)
                self.count = len(self.seen)
        """,
    "immutable tables read by runs": """
        from types import MappingProxyType

        KINDS = MappingProxyType({"a": "b"})
        ORDER = ("a", "b")
        OPEN = frozenset({"a"})

        def kind(x):
            return KINDS[x], ORDER.index(x), x in OPEN
        """,
    "a model's list default is per instance": """
        from pydantic import BaseModel

        class State(BaseModel):
            notes: list[str] = []

        def note(state, text):
            state.notes.append(text)
        """,
    "a table built at import, only read after (domain)": """
        TABLE = {}
        for n in range(3):
            TABLE[n] = n * n

        def square(n):
            return TABLE[n]
        """,
    "datetime.time is not the time module": """
        from datetime import datetime, time, timedelta, timezone

        WIB = timezone(timedelta(hours=7))

        def start_of(day):
            return datetime.combine(day, time(0), tzinfo=WIB)
        """,
    "a method named open": """
        class Tasks:
            async def open(self, work):
                return work

        async def run(tasks, work):
            return await tasks.open(work)
        """,
}


@pytest.mark.parametrize("example", list(GOOD))
def test_the_check_passes_what_workflows_may_do(example: str) -> None:
    assert _findings(GOOD[example], _module(example)) == []
