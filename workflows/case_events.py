"""Recording a case event, for every process's workflow: a component a workflow holds.

A case workflow numbers its changes (seq 1, 2, ...), shows the stage it is in on the
`SinergiStage` search attribute, and projects each change to Postgres through its process's
projection activity. The event id `{case_id}:{seq}` is deterministic, so a retried write
lands once. The activity options are the ones every recorded history holds: changing them
would make a running case's next step differ from its history.

A case opts in to running its projections as *local* activities (`local_patch`, the name of
the patch that guards the switch): the write runs in the worker inside the workflow task that
asked for it and leaves one marker in history, instead of an activity's three events and a
second workflow task to read its result. Same write, same retries and timeout, same
read-your-writes (an update answers only after its write has run). The switch is decided
once per run: `workflow.patched` answers the same for the whole run, so a case started
before the patch (whose first projection was an activity) keeps activities to its end.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from enum import Enum
from typing import TypeVar

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain import search

# Projection writes are cheap and idempotent: retry them for as long as Postgres is away.
PROJECTION_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30))
PROJECTION_TIMEOUT = timedelta(seconds=30)

T = TypeVar("T")

# The patch (or patches, any one of them on) under which a case projects locally: a later
# patch that implies local projections is asked first, so a case started under it records
# its own marker only (see `patched_any`).
LocalPatches = str | Sequence[str] | None


def patched_any(patches: LocalPatches) -> bool:
    """Whether any of `patches` is on for this run, asked in order and no further than the
    first that is: a case started under a later patch records no marker of the earlier one,
    and one started before the later patch answers it False on replay (memoised for the run)."""
    if patches is None:
        return False
    names = (patches,) if isinstance(patches, str) else patches
    return any(workflow.patched(name) for name in names)


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
        local_patch: LocalPatches = None,
    ) -> None:
        self._activity = activity
        self._event_type = event_type
        self._case_field = case_field
        self._case_id = case_id
        self._seq = recorded  # events recorded so far (a continued run carries them over)
        self._counted = counted
        self._snapshot = snapshot
        self._local_patch = local_patch
        self._shown_stage: str | None = None  # on `SinergiStage` now, put there by this run

    @property
    def seq(self) -> int:
        return self._seq

    def show_stage(self, stage: str) -> None:
        """The stage on the `SinergiStage` search attribute (it holds no personal data)."""
        workflow.upsert_search_attributes([search.STAGE.value_set(stage)])
        self.shown(stage)

    def shown(self, stage: str) -> None:
        """The workflow put `stage` on the search attribute itself (e.g. at its start)."""
        self._shown_stage = stage

    def local(self) -> bool:
        """Whether this run projects through local activities (see the module's notes)."""
        return patched_any(self._local_patch)

    def show_new_stage(self, stage: str) -> None:
        """Show `stage`; a lighter run does not upsert a stage already shown (one event less)."""
        if not (self.local() and stage == self._shown_stage):
            self.show_stage(stage)

    async def change_stage(self, stage: str, kind: Enum, **detail: object) -> None:
        """Show the new stage, then record the change as event `kind`."""
        self.show_new_stage(stage)
        await self.record(kind, None, **detail)

    async def record(self, kind: Enum, seq: int | None = None, **detail: object) -> None:
        """Project one change to Postgres: the next seq, or `seq` for one numbered ahead."""
        await project(self._activity, self.event(kind, seq, **detail), self._local_patch)

    def event(self, kind: Enum, seq: int | None = None, **detail: object) -> BaseModel:
        """The next change as the event the projection writes (numbered now; the caller
        projects it, e.g. together with other writes in one local activity)."""
        if seq is None:
            self._seq += 1
            seq = self._seq
            self._counted(seq)
        return self._event_type.model_validate(
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


async def project(
    activity: str,
    arg: object,
    local_patch: LocalPatches,
    result_type: type[T] | None = None,
    *,
    start_to_close: timedelta = PROJECTION_TIMEOUT,
    retry_policy: RetryPolicy = PROJECTION_RETRY,
) -> T | None:
    """Run a projection write (or a look-up as cheap): a local activity once `local_patch`
    is on for this run, else the activity every earlier history holds."""
    if patched_any(local_patch):
        # A local activity retries inside the workflow task (backing off with timers past
        # a minute), so an outage of Postgres stalls the case as before, visibly.
        result: T | None = await workflow.execute_local_activity(
            activity,
            arg,
            result_type=result_type,
            start_to_close_timeout=start_to_close,
            retry_policy=retry_policy,
        )
        return result
    result = await workflow.execute_activity(
        activity,
        arg,
        result_type=result_type,
        start_to_close_timeout=start_to_close,
        retry_policy=retry_policy,
    )
    return result
