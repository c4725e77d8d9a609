"""The enrolment (case) page, beside api/enrolments.py: where the case stands (the stage
diagram), what it waits for, progress against the rules, and who did what.

It reads through the JSON routes' functions (get_enrolment with its scope check, the
workflow's state by query, the decision log), so it shows what the API would answer; the
scope is checked once and the reads after it run concurrently.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import HTMLResponse

from api import enrolments as enrolment_api
from api import reference as reference_api
from api.deps import PoolDep, SettingsDep, TemporalDep, acting_as
from db import enrolments as enrolment_db
from db import inbox as inbox_db
from domain.enrolment import EnrolmentState, Stage
from web.render import PageRouter, render
from web.session import PagePrincipal

router = PageRouter()

# The main line of domain.md's stages, and the loops drawn beside it.
MAIN_LINE = (Stage.PLACEMENT_REVIEW, Stage.TRAINING, Stage.ASSESSMENT, Stage.CERTIFICATION)
# Where a side stage sits on the main line (the diagram marks that step "here, in a loop").
LOOP_OF = {
    Stage.PLACEMENT_DEFERRED: Stage.PLACEMENT_REVIEW,
    Stage.REMEDIAL: Stage.ASSESSMENT,
    Stage.AWAITING_APPEAL: Stage.ASSESSMENT,
    Stage.APPEAL_REVIEW: Stage.ASSESSMENT,
}


@dataclass(frozen=True)
class Step:
    stage: Stage
    status: str  # "done", "current", "todo"
    loop: Stage | None  # the side stage the case is in at this step, if any


def diagram(state: EnrolmentState) -> list[Step]:
    """The main line with each step done, current or to do; a hold (suspended, paused)
    marks the step where it happened, found from the stage the case stood in."""
    stage = state.stage
    if stage is Stage.CLOSED:
        reached = (
            len(MAIN_LINE) if state.certificate else _reached(state)
        )  # closed: as far as it got
        return [Step(s, "done" if i < reached else "todo", None) for i, s in enumerate(MAIN_LINE)]
    anchor = LOOP_OF.get(stage, stage)
    if anchor not in MAIN_LINE:  # held: suspended or paused, at the stage it stood in
        anchor = _held_at(state)
    index = MAIN_LINE.index(anchor)
    return [
        Step(
            s,
            "done" if i < index else "current" if i == index else "todo",
            stage if i == index and stage is not anchor else None,
        )
        for i, s in enumerate(MAIN_LINE)
    ]


def _reached(state: EnrolmentState) -> int:
    if state.attempts:
        return 3
    if state.training_completed_at is not None:
        return 2
    if state.attendance or state.modules_completed:
        return 1
    return 0


def _held_at(state: EnrolmentState) -> Stage:
    return MAIN_LINE[min(_reached(state), len(MAIN_LINE) - 1)]


@router.get("/kasus/{enrolment_id}", response_class=HTMLResponse)
async def enrolment_page(
    request: Request,
    enrolment_id: str,
    principal: PagePrincipal,
    pool: PoolDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> HTMLResponse:
    actor = await acting_as(*enrolment_api.READERS)(principal)
    record = await enrolment_api.get_enrolment(enrolment_id, principal, actor, pool)
    # Let read (the scope check above, once): the workflow's query and the read model's
    # rows are asked at the same time rather than one after the other (the query is most
    # of the page's time: a round trip through Temporal to the worker).
    state, decisions, programme, tasks = await asyncio.gather(
        enrolment_api.live_state_of(record, temporal),
        enrolment_db.list_decisions(pool, enrolment_id),
        reference_api.get_programme(record.programme_code, principal, pool),
        inbox_db.open_tasks_of_case(pool, enrolment_id),
    )
    ratio = settings.enrolment_policy.min_attendance_ratio
    present = state.attendance_present
    return render(
        request,
        "enrolment.html",
        {
            "record": record,
            "state": state,
            "steps": diagram(state),
            "programme": programme,
            "decisions": decisions,
            "tasks": tasks,
            "attendance_pct": round(100 * present / programme.session_count),
            "attendance_needed": round(100 * ratio),
            "attendance_ok": present >= ratio * programme.session_count,
            "decided": request.query_params.get("diputuskan") == "1",
        },
    )
