"""Enrol one inmate, beside api/enrolments.py and api/inmates.py, in three steps (GOV.UK):
1. pick an inmate of my UPT: the list SDP holds there, searched by SDP number prefix
   (`api.inmate_lookup.list_upt_inmates`, the `GET /upts/{upt}/inmates` function);
2. choose a programme and give the reason: the inmate with every programme's eligibility
   (`api.inmate_lookup.look_up_inmate`, the `GET /inmates/{sdp_no}` function);
3. check your answers, with "Ubah" (change) for each, then confirm: the request goes
   through `services.enrolment_requests.request_enrolment`, the `POST /enrolments`
   function (eligibility, scope, the journey), so a refusal reads exactly as the API's.

The scope and eligibility rules are those functions'; this module has no copy of them. The
inmate is never typed into the request: the form carries the number of a record SDP listed.

The confirmation is idempotent: the check page carries a one-time key, claimed in the
idempotency table the API's `Idempotency-Key` uses, so a double click or a resubmitted page
starts one enrolment and every copy lands on its case. "Ubah" for the programme and the
reason posts the answers back (a button, not a link): the reason is free text and stays out
of URLs; the inmate's "Ubah" is a link back to the list.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from typing import Annotated, Any

from fastapi import Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api import final_answers
from api.deps import PoolDep, SdpDep, SettingsDep, TemporalDep, acting_as
from api.final_answers import StillPending
from api.inmate_lookup import InmateList, InmateView, list_upt_inmates, look_up_inmate
from config.settings import Settings
from db import idempotency as keys
from domain.errors import HTTP_STATUS, DomainError, conflict, invalid
from domain.identity import Actor, Principal, Role
from domain.registries import InmateQuery, SdpRegistry
from services import enrolment_requests
from services.enrolment_requests import EnrolmentCreate
from web.navigation import NAV, NavItem
from web.render import PageRouter, check_csrf, render
from web.session import PagePrincipal
from web.task_pages import FieldError, errors_of

router = PageRouter()
Csrf = Annotated[None, Depends(check_csrf)]
ENROL = "/pendaftaran/baru"
CHECK = ENROL + "/periksa"
CHANGE = ENROL + "/ubah"
NAV.append(NavItem("nav.enrol", ENROL, frozenset({Role.CASEWORKER})))
LIST_SIZE = 25
SDP_PREFIX = r"^[A-Za-z0-9./-]*$"
_POLL_SECONDS = 0.05


async def _caseworker(principal: Principal) -> Actor:
    return await acting_as(Role.CASEWORKER)(principal)


async def _inmates(actor: Actor, sdp: SdpRegistry, prefix: str, after: str | None) -> InmateList:
    query = InmateQuery(
        upt_code=actor.scope.upt or "-", sdp_prefix=prefix, limit=LIST_SIZE, after=after
    )
    return await list_upt_inmates(actor, sdp, query)


async def _choice_page(
    request: Request,
    actor: Actor,
    settings: Settings,
    pool: PoolDep,
    sdp: SdpRegistry,
    sdp_no: str,
    *,
    form: dict[str, str] | None = None,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Step 2: the inmate and the programmes; an inmate not held at my UPT is refused here
    by `look_up_inmate` (403 with where they are held; 404 unknown to SDP)."""
    inmate = await look_up_inmate(actor, sdp, pool, settings.enrolment_policy, sdp_no)
    context = {"inmate": inmate, "form": form or {}, "errors": errors or []}
    return render(request, "enrol.html", context, status_code=status_code)


@router.get(ENROL, response_class=HTMLResponse)
async def enrol_page(
    request: Request,
    principal: PagePrincipal,
    settings: SettingsDep,
    pool: PoolDep,
    sdp: SdpDep,
    sdp_no: Annotated[str, Query(max_length=64, pattern=SDP_PREFIX)] = "",
    cari: Annotated[str, Query(max_length=64, pattern=SDP_PREFIX)] = "",
    after: Annotated[str | None, Query(max_length=64, pattern=SDP_PREFIX)] = None,
) -> HTMLResponse:
    """Step 1 (`cari`: the SDP number prefix to search) or, with `sdp_no`, step 2."""
    actor = await _caseworker(principal)
    if sdp_no:
        return await _choice_page(request, actor, settings, pool, sdp, sdp_no)
    found = await _inmates(actor, sdp, cari.strip(), after)
    context = {"query": cari.strip(), "inmates": found.items, "next_after": found.next_after}
    return render(request, "enrol_pick.html", context)


def _answers(
    inmate_sdp_no: Annotated[str, Form()],
    programme_code: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> dict[str, str]:
    """The answers as step 2, the check page and its "Ubah" post them (the reason as typed)."""
    return {"inmate_sdp_no": inmate_sdp_no, "programme_code": programme_code, "reason": reason}


Answers = Annotated[dict[str, str], Depends(_answers)]


def _trimmed(answers: dict[str, str]) -> dict[str, str]:
    return answers | {"reason": answers["reason"].strip()}


def _checked(inmate: InmateView, answers: dict[str, str]) -> EnrolmentCreate:
    """The request as `POST /enrolments` takes it, and the programme's eligibility as the
    look-up states it (the same rule the request is checked against)."""
    try:
        body = EnrolmentCreate.model_validate(answers)
    except ValidationError as error:
        first = error.errors()[0]
        raise invalid(f"the enrolment is malformed: {first['loc'][0]}: {first['msg']}") from None
    chosen = next((p for p in inmate.programmes if p.programme_code == body.programme_code), None)
    if chosen is None or not chosen.offered_here:
        raise invalid(
            f"the enrolment is malformed: programme_code: {body.programme_code} is not "
            f"offered at {inmate.upt_code}"
        )
    if not chosen.eligible:
        raise invalid(f"the enrolment is malformed: programme_code: {'; '.join(chosen.reasons)}")
    return body


@router.post(CHECK, response_class=HTMLResponse)
async def check_answers(
    request: Request,
    principal: PagePrincipal,
    settings: SettingsDep,
    pool: PoolDep,
    sdp: SdpDep,
    _: Csrf,
    given: Answers,
) -> HTMLResponse:
    """Step 3: the answers to check, with a one-time key for the confirmation."""
    actor = await _caseworker(principal)
    answers, sdp_no = _trimmed(given), given["inmate_sdp_no"]
    inmate = await look_up_inmate(actor, sdp, pool, settings.enrolment_policy, sdp_no)
    try:
        _checked(inmate, answers)
    except DomainError as error:
        return await _choice_page(request, actor, settings, pool, sdp, sdp_no,
                                  form=answers, errors=errors_of(error),
                                  status_code=HTTP_STATUS[error.refusal])  # fmt: skip
    chosen = next(p for p in inmate.programmes if p.programme_code == answers["programme_code"])
    context = {
        "inmate": inmate,
        "programme": chosen,
        "answers": answers,
        "request_key": secrets.token_urlsafe(16),
    }
    return render(request, "enrol_check.html", context)


@router.post(CHANGE, response_class=HTMLResponse)
async def change_answer(
    request: Request,
    principal: PagePrincipal,
    settings: SettingsDep,
    pool: PoolDep,
    sdp: SdpDep,
    _: Csrf,
    given: Answers,
    ubah: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """ "Ubah" on the check page: step 2 again with the answers given, the field in focus."""
    actor = await _caseworker(principal)
    form = given | {"focus": ubah}
    return await _choice_page(request, actor, settings, pool, sdp, given["inmate_sdp_no"],
                              form=form)  # fmt: skip


async def _start_once(
    pool: PoolDep, subject: str, request_key: str, digest: str, within: float, start: Any
) -> str:
    """Run `start` (returns the enrolment id) once per confirmation key: a second copy of
    the same confirmation waits for the first and gets its enrolment id."""
    claim = keys.Claim(subject, f"web-enrol:{request_key}", "POST", ENROL, digest)
    deadline = asyncio.get_running_loop().time() + within
    while True:
        if await keys.claim(pool, claim, stale_after_seconds=2 * within):
            try:
                enrolment_id: str = await start()
            except BaseException:
                await keys.release(pool, subject, claim.key)  # refused: the answers change
                raise
            await keys.complete(pool, subject, claim.key, 303, enrolment_id.encode())
            return enrolment_id
        found = await keys.stored(pool, subject, claim.key)
        if found is not None and found.request_hash != digest:
            raise conflict("this confirmation was used for other answers: check them again")
        if found is not None and found.done and found.body:
            return found.body.decode()
        if asyncio.get_running_loop().time() > deadline:
            raise conflict("this enrolment is still being started: open your tasks shortly")
        await asyncio.sleep(_POLL_SECONDS)


@router.post(ENROL)
async def enrol(
    request: Request,
    principal: PagePrincipal,
    settings: SettingsDep,
    pool: PoolDep,
    temporal: TemporalDep,
    sdp: SdpDep,
    _: Csrf,
    given: Answers,
    request_key: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Confirm: start the enrolment (once per check page) and open its case."""
    actor = await _caseworker(principal)
    answers = _trimmed(given)
    try:
        if not request_key:
            raise invalid("check your answers before the enrolment starts")
        body = EnrolmentCreate.model_validate(answers)
        digest = hashlib.sha256("\x1f".join(answers.values()).encode()).hexdigest()

        async def start() -> str:
            return await enrolment_requests.request_enrolment(
                body, principal, actor, settings, pool, temporal, sdp
            )

        enrolment_id = await _start_once(
            pool, principal.subject, request_key, digest, settings.request_deadline_seconds, start
        )
    except ValidationError as error:
        errors = [FieldError(message=f"{e['loc'][0]}: {e['msg']}", field=str(e["loc"][0]))
                  for e in error.errors()]  # fmt: skip
        status = 422
    except DomainError as error:
        errors, status = errors_of(error), HTTP_STATUS[error.refusal]
    else:
        try:  # the case page right after shows the placement review open, as the API answers
            await final_answers.enrolment_waiting_on_placement(
                pool, enrolment_id, settings.answer_wait_seconds
            )
        except StillPending:
            pass  # started; the case page shows it as it is
        return RedirectResponse(f"/kasus/{enrolment_id}", status_code=303)
    return await _choice_page(request, actor, settings, pool, sdp, answers["inmate_sdp_no"],
                              form=answers, errors=errors, status_code=status)  # fmt: skip
