"""Recording a case event, for every process's workflow: a component a workflow holds.

A case workflow numbers its changes (seq 1, 2, ...), shows the stage it is in on the
`SinergiStage` search attribute, and projects each change to Postgres through its process's
projection activity. The event id `{case_id}:{seq}` is deterministic, so a retried write
lands once. The activity options are the ones every recorded history holds: changing them
would make a running case's next step differ from its history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from enum import Enum

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain import search

# Projection writes are cheap and idempotent: retry them for as long as Postgres is away.
PROJECTION_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30))
PROJECTION_TIMEOUT = timedelta(seconds=30)


class CaseEvents:
    """The event counter, the stage shown to search, and the projection call of one case.

    `case_field` names the case's id in the process's event model (`enrolment_id`, ...);
    `snapshot` gives the fields each event carries besides the common ones (the case's
    summary, its unit); `counted` is told each new seq, for the state the query answers.
    """

    def __init__(
        self,
        *,
        activity: str,
        event_type: type[BaseModel],
        case_field: str,
        case_id: str,
        recorded: int,
        counted: Callable[[int], None],
        snapshot: Callable[[], Mapping[str, object]],
    ) -> None:
        self._activity = activity
        self._event_type = event_type
        self._case_field = case_field
        self._case_id = case_id
        self._seq = recorded  # events recorded so far (a continued run carries them over)
        self._counted = counted
        self._snapshot = snapshot

    @property
    def seq(self) -> int:
        return self._seq

    def show_stage(self, stage: str) -> None:
        """The stage on the `SinergiStage` search attribute (it holds no personal data)."""
        workflow.upsert_search_attributes([search.STAGE.value_set(stage)])

    async def change_stage(self, stage: str, kind: Enum, **detail: object) -> None:
        """Show the new stage, then record the change as event `kind`."""
        self.show_stage(stage)
        await self.record(kind, None, **detail)

    async def record(self, kind: Enum, seq: int | None = None, **detail: object) -> None:
        """Project one change to Postgres: the next seq, or `seq` for one numbered ahead."""
        if seq is None:
            self._seq += 1
            seq = self._seq
            self._counted(seq)
        event = self._event_type.model_validate(
            {
                "event_id": f"{self._case_id}:{seq}",
                self._case_field: self._case_id,
                "workflow_id": workflow.info().workflow_id,
                "seq": seq,
                "kind": kind,
                "at": workflow.now(),
                **self._snapshot(),
                **detail,
            }
        )
        await workflow.execute_activity(
            self._activity,
            event,
            start_to_close_timeout=PROJECTION_TIMEOUT,
            retry_policy=PROJECTION_RETRY,
        )
