"""A decision that reaches a case in its first workflow task.

The first task writes the request, the stage change to placement review and its inbox task in
one local write. A worker that dies after that write and before the task completes leaves them
stored; the task's next attempt then carries any decision sent meanwhile (the inbox already
showed the task), and Temporal hands a new attempt its updates before the flow resumes. Here
the decision rides with the start instead: the same first activation, made at will.
"""

from __future__ import annotations

import pytest

from domain.enrolment import EnrolmentEvent, EventKind, Stage
from tests.workflows.support import Case, Harness, placement
from workflows import enrolment_case


async def _decided_with_the_start(harness: Harness) -> Case:
    case = await harness.start_decided(placement())
    await case.settled()
    return case


def _numbered(events: list[EnrolmentEvent]) -> list[tuple[int, str, str | None]]:
    return [(e.seq, e.kind.value, e.summary.stage.value) for e in events]


async def test_a_decision_in_the_first_task_comes_after_the_flows_first_writes(
    harness: Harness,
) -> None:
    case = await _decided_with_the_start(harness)

    # The numbers a first attempt without the decision gave its writes (and may have stored).
    first_writes = [(1, "requested", "placement_review"), (2, "stage_changed", "placement_review")]
    events = case.events()
    assert _numbered(events)[:2] == first_writes, _numbered(events)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    [decided] = case.events_of(EventKind.PLACEMENT_DECIDED)
    assert decided.seq == 3
    assert [e.kind for e in events[3:]] == [EventKind.STAGE_CHANGED]
    assert events[-1].summary.stage is Stage.TRAINING


async def test_without_the_patch_the_decision_took_a_number_of_the_first_writes(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The failure the patch mends, shown: the decision took number 2, which a first attempt
    had given the stage change (its stored event kept it; the decision was lost there)."""
    monkeypatch.setattr(enrolment_case, "DECISION_AFTER_FIRST_WAIT_PATCH", None)
    case = await _decided_with_the_start(harness)
    [decided] = case.events_of(EventKind.PLACEMENT_DECIDED)
    assert decided.seq == 2, _numbered(case.events())
