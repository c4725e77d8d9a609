"""The machinery behind the authorization matrix (tests/api/test_authorization_matrix.py):
the rule type its table is written in, the real cases and tasks it asks about, the token each
role gets inside or outside its scope, and what counts as allowed or denied.

Allowed means the permission let the person through: any answer but 401 and 403 (a 404, 409
or 422 from a later rule included). Denied means 403, or, for a list, that the answer leaves
the thing out. Every probe sends a valid body that a *later* rule refuses, so the shared cases
stay where they are for the whole matrix; the run checks that they did.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from api.auth import mint_dev_token
from db import cohort_rows as cohort_db
from db import inbox as inbox_db
from db import people as people_db
from db import tasks as task_db
from db.tasks import TaskRecord
from domain.identity import ROLE_SCOPE, Ministry, Principal, Role, Scope, ScopeKind
from domain.tasks import TaskEscalation
from registries.sdp_seed import DEMO_ELIGIBLE, DEMO_LIFE_SENTENCE, DEMO_RELEASE_SOON
from tests.api import flows, permit_flows
from tests.api import journey_flows as jf
from tests.api.conftest import ApiStack
from tests.api.permit_flows import signed
from tests.temporal_support import SETTLE_SECONDS, until

Operation = tuple[str, str]  # (METHOD, path template), as OpenAPI lists it
MATRIX_COHORT = "COH-MATRIX-CPN1"  # a cohort of LP-CIPINANG with no row


def operations(app: FastAPI) -> set[Operation]:
    """Every operation the API publishes. Read from OpenAPI, not app.routes: routers nest."""
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return {(method.upper(), path) for path, item in paths.items() for method in item}


# ---------------------------------------------------------------- who may


@dataclass(frozen=True)
class Target:
    """What an operation is asked about: a real case or task (Process A or a TKA permit), or
    reference data."""

    label: str
    params: Mapping[str, str]  # path parameters
    upt: str = "LP-CIPINANG"
    lsp: str = "LSP-PARIWISATA"
    ministry: Ministry = Ministry.KEMENIMIPAS  # whose work it is: the auditor's scope
    task: TaskRecord | None = None
    receiver_role: Role | None = None  # a release handover: the role that acknowledges it
    # A ministry with no part in the target's process: the auditor's "out of scope".
    uninvolved: Ministry = Ministry.IMIGRASI


@dataclass(frozen=True)
class Rule:
    """Who may call one operation: `roles` within their scope over the target, plus, when
    `task_role`, the target task's required role within the task's scope, and when
    `receiver_role`, the role that acknowledges the target handover, within its scope.
    `any_scope`: the scope does not matter (reference data); `anywhere`: roles whose scope
    never matters (the SDP integration reports for every UPT)."""

    roles: frozenset[Role] = frozenset()
    task_role: bool = False
    any_scope: bool = False
    receiver_role: bool = False
    anywhere: frozenset[Role] = frozenset()

    def allows(self, role: Role, in_scope: bool, target: Target) -> bool:
        if role in self.anywhere:
            return True
        if not (in_scope or self.any_scope):
            return False
        if role in self.roles:
            return True
        if self.receiver_role and role is target.receiver_role:
            return True
        return self.task_role and target.task is not None and role is target.task.required_role


def may(*roles: Role) -> Rule:
    return Rule(frozenset(roles))


def task_role_and(*roles: Role) -> Rule:
    return Rule(frozenset(roles), task_role=True)


def receiver_and(*roles: Role) -> Rule:
    return Rule(frozenset(roles), receiver_role=True)


ANY_ROLE = Rule(frozenset(Role), any_scope=True)


# ---------------------------------------------------------------- in scope, out of scope

OTHER_UPT, OTHER_LSP = "LP-SALEMBA", "LSP-LOGAM"
HOME_BAPAS, OTHER_BAPAS = "BP-JAKBAR", "BP-BANDUNG"
HOME_NIB, OTHER_NIB = "9120001234567", "9120007654321"

_OWN_MINISTRY = {
    Role.KEMNAKER_INSTRUCTOR: Ministry.KEMNAKER,
    Role.KEMNAKER_OFFICER: Ministry.KEMNAKER,
    Role.KEMNAKER_VERIFIER: Ministry.KEMNAKER,
    Role.KEMNAKER_DIRECTOR: Ministry.KEMNAKER,
    Role.IMIGRASI_OFFICER: Ministry.IMIGRASI,
}
# The wrong ministry to put in a token: for Kemnaker staff, the other side of the same case.
_OTHER_MINISTRY = {
    Ministry.KEMNAKER: Ministry.KEMENIMIPAS,
    Ministry.KEMENIMIPAS: Ministry.IMIGRASI,
    Ministry.IMIGRASI: Ministry.KEMNAKER,
}


def scope_for(role: Role, target: Target, in_scope: bool) -> Scope:
    """A scope of the kind `role` is bounded by that covers `target` (or does not). Roles with
    no part in the target get their own proper scope as "in scope": the role must deny them."""
    kind = ROLE_SCOPE[role]  # a new role without a scope kind fails here, loudly
    if kind is ScopeKind.UPT:
        return Scope(upt=target.upt if in_scope else OTHER_UPT)
    if kind is ScopeKind.LSP:
        return Scope(lsp=target.lsp if in_scope else OTHER_LSP)
    if kind is ScopeKind.BAPAS:
        return Scope(bapas=HOME_BAPAS if in_scope else OTHER_BAPAS)
    if kind is ScopeKind.EMPLOYER:
        return Scope(employer_nib=HOME_NIB if in_scope else OTHER_NIB)
    if kind is ScopeKind.MINISTRY:
        if role in (Role.AUDITOR, Role.ADMINISTRATOR):
            return Scope(ministry=target.ministry if in_scope else target.uninvolved)
        own = _OWN_MINISTRY[role]
        return Scope(ministry=own if in_scope else _OTHER_MINISTRY[own])
    # A supervisor: of the task's own scope, or of the case's UPT.
    home = target.task.scope if target.task is not None else Scope(upt=target.upt)
    return home if in_scope else _elsewhere(home)


def _elsewhere(scope: Scope) -> Scope:
    """The same kinds of scope, every one of them somewhere else."""
    return Scope(
        upt=OTHER_UPT if scope.upt else None,
        lsp=OTHER_LSP if scope.lsp else None,
        bapas=OTHER_BAPAS if scope.bapas else None,
        ministry=_OTHER_MINISTRY[scope.ministry] if scope.ministry else None,
        employer_nib=OTHER_NIB if scope.employer_nib else None,
    )


def subject(role: Role, in_scope: bool) -> str:
    """One person per role and column, so a claim made in the matrix stays that person's."""
    return f"{role.value}-{'in' if in_scope else 'out'}"


# ---------------------------------------------------------------- how to ask

Body = Callable[[Target], dict[str, Any]]


@dataclass(frozen=True)
class Probe:
    """How one operation is asked: about which targets, with which body. `lists`: the
    operation is a list, and the target counts as visible when an item has this id field
    equal to the target's path parameter of the same name."""

    targets: tuple[str, ...]
    body: Body | None = None
    lists: str | None = None
    signed: bool = False  # SIMPONI's callback: the body is signed with the shared secret


def _verdict(response: httpx.Response, probe: Probe, target: Target) -> tuple[bool | None, str]:
    """(allowed, what happened); allowed is None when the answer is neither (401, 5xx, or a
    request the framework refused as malformed: the probe's body is wrong, not the rule)."""
    status = response.status_code
    is_json = response.headers.get("content-type", "").startswith("application/json")
    answer = (
        response.json() if response.content and is_json else None
    )  # a PDF, a document, /metrics: not
    detail = answer.get("detail") if isinstance(answer, dict) else None
    if status == 403:
        return False, "403"
    if status == 401 or status >= 500 or (status == 422 and isinstance(detail, list)):
        return None, f"{status}: {str(detail)[:160]}"
    if probe.lists is None:
        return True, f"{status}"
    if status != 200:
        return None, f"{status}: {str(detail)[:160]}"
    wanted = target.params[probe.lists]
    assert isinstance(answer, dict)
    shown = any(item[probe.lists] == wanted for item in answer["items"])
    return shown, "200 listing it" if shown else "200 without it"


# ---------------------------------------------------------------- the cases asked about


async def _open_task(api: ApiStack, enrolment_id: str, kind: str) -> TaskRecord:
    """The case's open task of `kind`, once the workflow's activity has written it."""

    async def of_kind() -> list[TaskRecord]:
        tasks = await inbox_db.open_tasks_of_case(api.pool, enrolment_id)
        return [t for t in tasks if t.kind == kind]

    found = await until(of_kind, bool, f"an open {kind} task of {enrolment_id}", SETTLE_SECONDS)
    return found[0]


async def _stage(api: ApiStack, enrolment_id: str) -> str:
    await api.settled(enrolment_id)
    record = await flows.ok(await api.http.get(f"/enrolments/{enrolment_id}", headers=api.tpp()))
    return f"{record['stage']}/{record['outcome']}"


async def _at_placement(api: ApiStack) -> str:
    return await flows.request(api, DEMO_ELIGIBLE)


async def _in_training(api: ApiStack) -> str:
    enrolment_id = await flows.request(api, "CPN-2023-00457")
    await flows.approve(api, enrolment_id)
    return enrolment_id


async def _in_assessment(api: ApiStack) -> str:
    enrolment_id = await flows.request(api, "CPN-2022-00031")
    await flows.approve(api, enrolment_id)
    await flows.train(api, enrolment_id)
    return enrolment_id


async def _rejected(api: ApiStack) -> str:
    enrolment_id = await flows.request(api, DEMO_LIFE_SENTENCE)
    await flows.ok(
        await api.http.post(
            f"/enrolments/{enrolment_id}/placement",
            json={"decision": "reject", "reason": "no place in the cohort"},
            headers=api.tpp(),
        )
    )
    return enrolment_id


async def _handed_over(api: ApiStack) -> dict[str, str]:
    """An inmate of LP-CIPINANG released on parole to HOME_BAPAS, both handovers already
    acknowledged (so an allowed acknowledgement is a 409): the handover ids by receiver."""
    enrolment_id = await flows.request(api, DEMO_RELEASE_SOON)
    await jf.release(api, DEMO_RELEASE_SOON, "pb", bapas=HOME_BAPAS)
    await jf.reaches(api, enrolment_id, "closed")
    handovers = {h["receiver"]: h["handover_id"] for h in await jf.handovers_of(
        api, DEMO_RELEASE_SOON, 2)}  # fmt: skip
    for receiver, headers, consent in (
        ("bapas", jf.pk(api, "pk-setup", HOME_BAPAS), {}),
        # no consent to be contacted: its placement case closes at once (a closed target)
        ("job_placement", jf.placement_officer(api, "kn-setup"), {"contact_consent": False}),
    ):
        await flows.ok(await api.http.post(
            f"/handovers/{handovers[receiver]}/acknowledgement",
            json={"reason": "taken over"} | consent, headers=headers))  # fmt: skip
    await jf.settled(api, DEMO_RELEASE_SOON)
    return handovers


async def _closed_placement(api: ApiStack, job_placement_handover: str) -> str:
    """The placement case job placement's acknowledgement started: without consent it
    closed at once, so an allowed decision on it is a 409."""
    journey_id = job_placement_handover.split(":")[0]
    placement_id = f"PLC-{journey_id}"

    async def status() -> str | None:
        found: str | None = await api.pool.fetchval(
            "SELECT status FROM placements WHERE placement_id = $1", placement_id
        )
        return found

    await until(status, lambda s: s == "closed", f"placement {placement_id} closed", SETTLE_SECONDS)
    return placement_id


async def _permit(api: ApiStack) -> str:
    """An application of HOME_NIB waiting on Kemnaker's document verification."""
    application_id = await permit_flows.submit(api, HOME_NIB)
    await permit_flows.settled(api, application_id)
    return application_id


async def _documented_permit(api: ApiStack) -> tuple[str, str]:
    """An application of HOME_NIB with its passport scan, at document verification."""
    uploaded = await flows.ok(await api.http.post(
        "/documents?kind=passport_scan", content=b"%PDF-1.7\n%%EOF\n",
        headers=permit_flows.employer(api, HOME_NIB) | {"X-File-Name": "paspor.pdf"},
    ))  # fmt: skip
    document_id = str(uploaded["document_id"])
    application_id = await permit_flows.submit(api, HOME_NIB, document_ids=[document_id])
    await permit_flows.settled(api, application_id)
    return application_id, document_id


async def _rejected_permit(api: ApiStack) -> str:
    application_id = await _permit(api)
    await permit_flows.decide(api, application_id, "verification",
                              {"decision": "reject", "reason": "forged diploma"},
                              permit_flows.verifier(api))  # fmt: skip
    await permit_flows.settled(api, application_id)
    return application_id


async def _permit_stage(api: ApiStack, application_id: str) -> str:
    await permit_flows.settled(api, application_id)
    row = await api.pool.fetchrow(
        "SELECT stage, outcome FROM permit_applications WHERE application_id = $1",
        application_id,
    )
    assert row is not None
    return f"{row['stage']}/{row['outcome']}"


async def _escalated_task(api: ApiStack) -> Target:
    """Another application's document verification, escalated to the supervisor of its scope
    by the same write the workflow's escalation activity makes (db.tasks.escalate_task), now
    rather than after the SLA's working days: a supervisor's escalation list holds it."""
    application_id = await _permit(api)
    task = await _open_task(api, application_id, "document_verification")
    async with api.pool.acquire() as conn:
        escalated = await task_db.escalate_task(conn, TaskEscalation(
            task_id=task.task_id, escalated_at=datetime.now(UTC), routed_to=Role.SUPERVISOR,
            message="escalated for the authorization matrix",
        ))  # fmt: skip
    assert escalated
    found = await task_db.get_task(api.pool, task.task_id)
    assert found is not None and found.escalated_at is not None
    return Target(
        "escalated document_verification task", {"task_id": found.task_id},
        ministry=Ministry.KEMNAKER, uninvolved=Ministry.KEMENIMIPAS, task=found,
    )  # fmt: skip


PERSON_SUBJECT = "kn-officer-matrix"


async def _person(api: ApiStack) -> Target:
    """A Kemnaker officer in the directory of people, maintained by Kemnaker's administrators."""
    async with api.pool.acquire() as conn:
        await people_db.upsert_from_claims(
            conn,
            Principal(subject=PERSON_SUBJECT, roles={Role.KEMNAKER_OFFICER},
                      scope=Scope(ministry=Ministry.KEMNAKER)),
            {},
        )  # fmt: skip
    return Target(
        "a Kemnaker officer in the directory", {"subject": PERSON_SUBJECT},
        ministry=Ministry.KEMNAKER, uninvolved=Ministry.IMIGRASI,
    )  # fmt: skip


async def build_targets(api: ApiStack) -> dict[str, Target]:
    """Four real BARISTA cases of LP-CIPINANG (LSP-PARIWISATA), one per stage the matrix
    needs, and the open task of each live one; the journey of the first; and a released
    inmate's journey with its two handovers."""
    placement, training, assessment, closed = await asyncio.gather(
        _at_placement(api), _in_training(api), _in_assessment(api), _rejected(api)
    )
    handovers = await _handed_over(api)
    await cohort_db.open_cohort(api.pool, MATRIX_COHORT, "LP-CIPINANG", "matrix")
    stages = {
        placement: "placement_review/None",
        training: "training/None",
        assessment: "assessment/None",
        closed: "closed/rejected",
    }
    for enrolment_id, stage in stages.items():
        assert await _stage(api, enrolment_id) == stage, enrolment_id
    targets = {
        "reference": Target(
            "reference data",
            {"upt_code": "LP-CIPINANG", "code": "BARISTA", "namespace": "default"},
        ),
        # No case: an incident id no incident has (allowed answers 404).
        "incident": Target("an incident", {"incident_id": "424242"}),
        "placement": Target(
            "case at placement review",
            {"enrolment_id": placement, "case_kind": "enrolment", "case_id": placement},
        ),
        "training": Target("case in training", {"enrolment_id": training}),
        "assessment": Target("case in assessment", {"enrolment_id": assessment}),
        "closed": Target("rejected case", {"enrolment_id": closed}),
        "journey": Target("journey in custody", {"inmate_sdp_no": DEMO_ELIGIBLE}),
        "cohort": Target("a cohort of LP-CIPINANG", {"cohort_id": MATRIX_COHORT}),
        "inmates": Target(
            "inmates of the UPT", {"upt_code": "LP-CIPINANG", "sdp_no": DEMO_ELIGIBLE}
        ),
        "released": Target("journey handed over", {"inmate_sdp_no": DEMO_RELEASE_SOON}),
        "bapas handover": Target(
            "handover to the Bapas",
            {"handover_id": handovers["bapas"]},
            receiver_role=Role.BAPAS_OFFICER,
        ),
        "job placement handover": Target(
            "handover to job placement",
            {"handover_id": handovers["job_placement"]},
            receiver_role=Role.KEMNAKER_OFFICER,
        ),
    }
    targets["closed placement"] = Target(
        "placement case closed (no consent)",
        {"placement_id": await _closed_placement(api, handovers["job_placement"])},
    )
    targets["person"] = await _person(api)
    # A delivery no one in the matrix has: its own is a 404 for everyone allowed to ask.
    targets["delivery"] = Target(
        "an unknown delivery", {"notification_id": "nobody|x|in_app", "reference": "0" * 16}
    )
    permit, closed_permit = await asyncio.gather(_permit(api), _rejected_permit(api))
    targets["permit"] = Target(
        "application at verification",
        {"application_id": permit, "case_kind": "tka_permit", "case_id": permit},
        ministry=Ministry.KEMNAKER, uninvolved=Ministry.KEMENIMIPAS,
    )  # fmt: skip
    targets["closed permit"] = Target(
        "rejected application", {"application_id": closed_permit}, ministry=Ministry.KEMNAKER,
        uninvolved=Ministry.KEMENIMIPAS,
    )  # fmt: skip
    documented, document_id = await _documented_permit(api)
    targets["document"] = Target(
        "passport scan of an application", {"document_id": document_id,
                                            "application_id": documented},
        ministry=Ministry.KEMNAKER, uninvolved=Ministry.KEMENIMIPAS,
    )  # fmt: skip
    task = await _open_task(api, permit, "document_verification")
    targets["document_verification task"] = Target(
        "document_verification task", {"task_id": task.task_id, "application_id": permit},
        ministry=Ministry.KEMNAKER, uninvolved=Ministry.KEMENIMIPAS, task=task,
    )  # fmt: skip
    targets["escalated task"] = await _escalated_task(api)
    for case, kind in (
        (placement, "placement_review"),
        (training, "training_completion"),
        (assessment, "assessment"),
    ):
        task = await _open_task(api, case, kind)
        targets[f"{kind} task"] = Target(
            f"{kind} task",
            {"task_id": task.task_id, "enrolment_id": case},
            ministry=task.scope.ministry or Ministry.KEMENIMIPAS,
            task=task,
        )
    return targets


# ---------------------------------------------------------------- the run


async def mismatches(
    api: ApiStack, expected: Mapping[Operation, Rule], probes: Mapping[Operation, Probe]
) -> list[str]:
    """Every (operation, target, role, in/out of scope) whose answer differs from the rule."""
    targets = await build_targets(api)
    cases = {t.params["enrolment_id"] for t in targets.values() if "enrolment_id" in t.params}
    applications = {
        t.params["application_id"] for t in targets.values() if "application_id" in t.params
    }
    before = {case: await _stage(api, case) for case in sorted(cases)}
    before |= {a: await _permit_stage(api, a) for a in sorted(applications)}
    tokens: dict[tuple[Role, bool, Scope], dict[str, str]] = {}
    found: list[str] = []
    for (method, path), rule in expected.items():
        probe = probes[(method, path)]
        for target in (targets[name] for name in probe.targets):
            for role, in_scope in _columns():
                scope = scope_for(role, target, in_scope)
                if (role, in_scope, scope) not in tokens:
                    token = mint_dev_token(api.settings, subject(role, in_scope), [role], scope)
                    tokens[(role, in_scope, scope)] = {"Authorization": f"Bearer {token}"}
                body = probe.body(target) if probe.body is not None else None
                headers = tokens[(role, in_scope, scope)]
                content = json.dumps(body).encode()
                if probe.signed:
                    headers = {**headers, **signed(api.settings.simponi_secret, content)}
                response = await api.http.request(
                    method,
                    path.format(**target.params),
                    content=content if body is not None else None,
                    headers={**headers, "Content-Type": "application/json"},
                )
                allowed, answer = _verdict(response, probe, target)
                should = rule.allows(role, in_scope, target)
                if allowed is not should:
                    where = "in scope" if in_scope else "out of scope"
                    found.append(
                        f"{method} {path} [{target.label}] as {role.value} ({where}): "
                        f"expected {'allow' if should else 'deny'}, got {answer}"
                    )
    after = {case: await _stage(api, case) for case in sorted(cases)}
    after |= {a: await _permit_stage(api, a) for a in sorted(applications)}
    found.extend(
        f"the matrix moved case {case} from {before[case]} to {after[case]}: a probe's body "
        "was accepted; give it one a later rule refuses"
        for case in before
        if before[case] != after[case]
    )
    return found


def _columns() -> Iterable[tuple[Role, bool]]:
    return ((role, in_scope) for role in Role for in_scope in (True, False))
