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

A local write Postgres refuses (poisoned input: a NUL in a reason) cannot succeed however
often it is retried, and a local activity's retries live in the worker, inside a workflow
task the SDK keeps alive by heartbeating it: the case's history grows with each heartbeat,
and the worker cannot shut down while that task is open. Such a write fails at once instead
(its local retry policy does not retry `PoisonedInput`) and, behind `LOCAL_INCIDENT_PATCH`,
goes on as a regular activity: the server keeps its retries, the worker's incident
machinery (workers/incidents.py) shows it to operators and resumes it after their repair,
as for every regular activity. The patch is asked only when a write has failed, so a case
that meets no poison records no marker of it. Read-your-writes holds for a write whose
caller awaits it (it answers after the repair); an update that answers once the stage has
changed (the enrolment's stage write) has answered by then, before its write is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from enum import Enum
from typing import TypeVar

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from domain import search
    from domain.errors import POISONED_INPUT

# Projection writes are cheap and idempotent: retry them for as long as Postgres is away.
PROJECTION_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30))
PROJECTION_TIMEOUT = timedelta(seconds=30)

T = TypeVar("T")

# A local write whose data Postgres refused goes on as a regular activity (module notes).
LOCAL_INCIDENT_PATCH = "local-projection-incident-v1"

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
        try:
            result: T | None = await workflow.execute_local_activity(
                activity,
                arg,
                result_type=result_type,
                start_to_close_timeout=start_to_close,
                retry_policy=_failing_on_poison(retry_policy),
            )
            return result
        except FailureError as error:
            # Before the patch a local write was retried until repaired and never failed
            # here: a replay of such a case never comes this way.
            if not (_poisoned(error) and workflow.patched(LOCAL_INCIDENT_PATCH)):
                raise
        # The same write as a regular activity, retried by the server, an incident until an
        # operator repairs its input (workers/incidents.py).
    result = await workflow.execute_activity(
        activity,
        arg,
        result_type=result_type,
        start_to_close_timeout=start_to_close,
        retry_policy=retry_policy,
    )
    return result


def _failing_on_poison(policy: RetryPolicy) -> RetryPolicy:
    """`policy` for a local write: the same, but a write Postgres refused is not retried in
    the worker (the workflow hands it on to a regular activity)."""
    kept = list(policy.non_retryable_error_types or ())
    return replace(policy, non_retryable_error_types=[*kept, POISONED_INPUT])


def _poisoned(error: FailureError) -> bool:
    """Whether a local write failed because Postgres refused its data. A local activity's
    failure reaches the workflow as the activity's own error (this SDK's), an activity's
    wrapped in an `ActivityError`: either is read."""
    cause = error.cause if isinstance(error, ActivityError) else error
    return isinstance(cause, ApplicationError) and cause.type == POISONED_INPUT
