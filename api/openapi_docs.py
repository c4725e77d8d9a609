"""What an integrator reads in `/openapi.json`: the conventions, and a description and an
example for every request body.

One table here rather than examples spread over the domain models: the request models are
shared with the workflows (an Update's argument is its fields plus the actor), and a test
(tests/api/test_openapi_docs.py) validates every example against its model, so an example
cannot drift from the rule. Date fields are described the same way everywhere: each
`format: date` field of every schema says it is an Asia/Jakarta calendar date.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from api import case_kinds
from api.cohorts import CohortBatch
from api.inbox import Reassignment
from api.inbox_contract import add_decide_contract
from domain.certificate_check import CertificateCheckRequest
from domain.custody import CustodyEventFields, HoldReviewFields
from domain.enrolment import (
    AppealDecisionFields,
    AssessmentFields,
    AttendanceFields,
    ModuleCompletionFields,
    PlacementDecisionFields,
    ReasonFields,
)
from domain.journey import HandoverAckFields
from domain.people import ContactChange, LanguageChoice, PersonCreate, PersonUpdate
from domain.permit import (
    ArrivalFields,
    FeasibilityFields,
    PaymentConfirmation,
    PermitApplicationFields,
    ResubmissionFields,
    RptkaFields,
    TerminationFields,
    VerificationFields,
    VisaFields,
)
from domain.permit_life import (
    AnnualReportFields,
    ChangeRequestFields,
    ExtensionDecisionFields,
    ExtensionRequestFields,
)
from domain.permit_search import PermitSearch
from domain.placement import CheckInFields, ContactFields, OutcomeFields, ReferralFields
from services.enrolment_requests import EnrolmentCreate

JAKARTA_DATE = (
    "An Asia/Jakarta (WIB, UTC+7) calendar date, YYYY-MM-DD: every date Sinergi takes or "
    "gives is one, and every 'today' a rule compares it with is today in Jakarta (from "
    "00:00 to 07:00 WIB the UTC date is still the day before)."
)

CONVENTIONS = """
Sinergi runs two joint processes of Kemnaker and Kemenimipas: **A**, an inmate's vocational
certification (`/inmates`, `/enrolments`, `/custody-events`, `/journeys`, `/handovers`) and
**B**, a TKA permit routed between Kemnaker and Imigrasi (`/permits`,
`/payments/simponi/callback`). Reviewers work from `/inbox`.

**Authentication.** `Authorization: Bearer <token>`; the token carries the roles and the scope
(UPT, LSP, Bapas, ministry or employer NIB). The actor of every decision is taken from the
token, never from the body. In development `sinergi token` mints one (README).

**Dates.** Every `date` is an Asia/Jakarta calendar date (WIB); every date-time carries its
offset. A rule that compares a date with "today" compares it with today in Jakarta: between
00:00 and 07:00 WIB, send the Jakarta date, not the UTC one.

**Finding things.** `GET /inmates/{inmate_sdp_no}` gives an inmate's UPT and, for every
programme, whether an enrolment would be accepted, and every reason it would not;
`GET /upts/{upt_code}/inmates?sdp_prefix=` lists a UPT's inmates. `GET /handovers` filters by
`inmate_sdp_no` or `journey_id`, newest first; `GET /permits` filters by `employer_nib`.

**Answers are final.** A write answers with the state it created, and a read right after it
shows that state: `POST /enrolments` once the case waits on its placement review;
`POST /custody-events` for a release with the handovers it sent; a permit's arrival once the
permit is `active`. If that takes longer than the server's wait, the answer is **202** with a
`Location` (and `poll`) to read and an `until` time.

**A release-flagged request.** When the inmate's expected release falls before the
programme's planned end plus the assessment window, the enrolment is `release_flagged`; the
TPP approves it only with `exception_granted: true` in `POST /enrolments/{id}/placement`.

**The DKPTKA billing code** is `billing_code` of `GET /permits/{id}` (and `billing` of
`GET /permits/{id}/state`, with the amount and the payment deadline) once the application
reaches payment; exempt employers (`exempt: true`) get none.

**Errors.** 403 wrong role or scope, 404 unknown, 409 wrong stage or closed case, 422 a
malformed or inconsistent request; `detail` says what to fix. Nothing is stored for any 4xx.
"""


@dataclass(frozen=True)
class BodyDoc:
    """A request body's description (when its model has no docstring) and its example."""

    example: dict[str, Any]
    description: str | None = None


REASON = "motivated, attendance record clean"

REQUEST_BODIES: dict[type[BaseModel], BodyDoc] = {
    EnrolmentCreate: BodyDoc(
        {"inmate_sdp_no": "CPN-2024-00123", "programme_code": "BARISTA", "reason": REASON},
        "A caseworker of the inmate's UPT asks to enrol them; `GET /inmates/{inmate_sdp_no}` "
        "says beforehand whether it would be accepted.",
    ),
    CohortBatch: BodyDoc(
        {
            "rows": [
                {"inmate_sdp_no": "CPN-2024-00123", "programme_code": "BARISTA", "reason": REASON}
            ]
        },
        "Up to 500 rows `{inmate_sdp_no, programme_code, reason}`; each is answered on its own.",
    ),
    PlacementDecisionFields: BodyDoc(
        {"decision": "approve", "reason": "TPP session of 2 December", "exception_granted": True},
        "The TPP's placement decision: `approve` (a `release_flagged` enrolment needs "
        "`exception_granted: true`), `reject` with a reason, or `defer` with `defer_until`, a "
        "Jakarta date after today.",
    ),
    AttendanceFields: BodyDoc(
        {"session_no": 1, "session_date": "2026-11-20", "present": True},
        "One training session's attendance; `session_no` counts from 1 to the programme's "
        "`session_count`.",
    ),
    ModuleCompletionFields: BodyDoc(
        {"module_code": "BAR-M1-HYGIENE"}, "A module of the programme (its `modules`), completed."
    ),
    ReasonFields: BodyDoc({"reason": "every session held"}, "A decision that needs only why."),
    AssessmentFields: BodyDoc(
        {
            "tuk_code": "TUK-LAPAS-CIPINANG",
            "results": {"I.56BAR00.001.1": "K"},
            "reason": "observed practice",
        },
        "K (kompeten) or BK (belum kompeten) for exactly the units due in this assessment "
        "(`GET /enrolments/{id}/state` lists them).",
    ),
    AppealDecisionFields: BodyDoc(
        {
            "panel": ["asr-2", "asr-3", "asr-4"],
            "outcome": "reassess",
            "reason": "the practical was cut short",
        },
        "The appeal panel: at least 3 assessors of the LSP, not the contested one; the caller "
        "must be on it.",
    ),
    HoldReviewFields: BodyDoc(
        {"decision": "resume", "reason": "the programme runs here too"},
        "The TPP resumes or withdraws a case suspended by a transfer or a long sanction.",
    ),
    Reassignment: BodyDoc({"to_subject": "tpp-2"}, "Who takes the task over."),
    CustodyEventFields: BodyDoc(
        {
            "event_id": "SDP-2026-000123",
            "inmate_sdp_no": "CPN-2024-00123",
            "kind": "release",
            "occurred_at": "2026-12-02T09:00:00+07:00",
            "release_kind": "pb",
            "bapas_code": "BP-JAKBAR",
        },
    ),
    HandoverAckFields: BodyDoc(
        {"reason": "registered as Klien"}, "The receiver confirms it took the handover over."
    ),
    PermitApplicationFields: BodyDoc(
        {
            "position_title": "Welding Engineer",
            "position_kind": "professional",
            "tka_name": "Example Name",
            "passport_no": "E1234567",
            "nationality": "JP",
            "duration_months": 12,
            "work_location": "Cilegon, Banten",
            "province": "36",
            "sector": "C",
            "in_kek": False,
            "pendamping": {"name": "Budi Santoso", "position": "Welding Supervisor"},
            "employer_category": "company",
        },
    ),
    VerificationFields: BodyDoc(
        {"decision": "approve", "reason": "documents complete"},
        "Kemnaker's document verification: `approve`, `request_revision` or `reject`.",
    ),
    ResubmissionFields: BodyDoc(
        {"documents": ["diploma"], "reason": "legalised copy attached"},
        "The employer's corrected or added documents, after a revision request or a visa hold.",
    ),
    FeasibilityFields: BodyDoc(
        {"decision": "feasible", "reason": "the position needs the skill"},
        "The feasibility assessment: `feasible` or `not_feasible`.",
    ),
    RptkaFields: BodyDoc(
        {"decision": "approve", "reason": "pengesahan RPTKA"},
        "The director's RPTKA approval: `approve` or `reject`.",
    ),
    VisaFields: BodyDoc(
        {"decision": "approve", "reason": "checks clear"},
        "Imigrasi's C312 visa decision: `approve`, `reject` or `hold` for documents.",
    ),
    ArrivalFields: BodyDoc(
        {"arrived_on": "2026-12-02", "port_of_entry": "CGK"},
        "The TKA's arrival: `arrived_on` is the Jakarta date (not in the future, not before "
        "the visa); SIMKIM then issues the ITAS and the answer shows the permit `active`.",
    ),
    TerminationFields: BodyDoc(
        {"reason": "project finished early"}, "Early termination: SIMKIM issues the EPO."
    ),
    ContactFields: BodyDoc(
        {"channel": "phone", "reached": True, "reason": "looking for work in food service"},
        "A contact with the released person: `phone`, `visit`, `message` or `office`, and "
        "whether they were reached.",
    ),
    ReferralFields: BodyDoc(
        {"kind": "vacancy", "to": "Example Cafe, barista", "reason": "matches the certificate"},
        "A referral to a `vacancy` (employer and post) or a `blk_course` (BLK training).",
    ),
    OutcomeFields: BodyDoc(
        {
            "outcome": "employed",
            "employer": "Example Cafe",
            "sector": "food and beverage",
            "start_date": "2026-12-14",
            "reason": "contract signed",
        },
        "The placement's outcome: `employed` (with employer, sector and `start_date`), "
        "`self_employed`, `further_training` (with `training`) or `not_reached`.",
    ),
    CheckInFields: BodyDoc(
        {"month": 1, "reached": True, "job_confirmed": True, "reason": "still at the cafe"},
        "A follow-up check-in at 1, 3 or 6 months: whether the person was reached and, when "
        "employed, whether they still hold the job.",
    ),
    CertificateCheckRequest: BodyDoc(
        {"certificate_number": "BNSP/SKM-BARISTA-2024/2026/000001", "birth_date": "1990-01-01"},
        "The public check, without login: the certificate number as printed and the "
        "holder's date of birth, both in the body (never in a URL); rate-limited per client.",
    ),
    AnnualReportFields: BodyDoc(
        {"year": 1, "reason": "the TKA trained two pendamping in welding inspection"},
        "The employer's report on a year of the permit: the TKA's work and the pendamping's "
        "transfer of skills, with up to 10 uploaded `document_ids`.",
    ),
    ExtensionRequestFields: BodyDoc(
        {"months": 12, "reason": "the project runs another year"},
        "The employer asks to extend the permit by `months` from the day after expiry, at "
        "least 30 working days before it; up to 10 uploaded `document_ids`.",
    ),
    ExtensionDecisionFields: BodyDoc(
        {"decision": "approve", "reason": "documents complete"},
        "Kemnaker's decision on an extension request (the verifier's, then the director's): "
        "`approve` or `reject`.",
    ),
    ChangeRequestFields: BodyDoc(
        {"work_location": "Batam, Kepulauan Riau", "reason": "the project moved"},
    ),
    PermitSearch: BodyDoc(
        {"stage": "active", "nationality": "JP", "submitted_from": "2026-01-01", "limit": 50},
        "Kemnaker's verifier and director and Imigrasi's officer search the applications at "
        "their own ministry's steps: every filter given must match (position by its words, "
        "passport number exactly); the filters travel in the body, never in a URL.",
    ),
    PersonCreate: BodyDoc(
        {
            "subject": "staff-001",
            "display_name": "Example Officer",
            "email": "officer@example.org",
            "language": "id",
            "roles": [{"role": "kemnaker_verifier", "scope": {"ministry": "kemnaker"}}],
        },
    ),
    LanguageChoice: BodyDoc(
        {"language": "en"}, "The language of your pages and notifications: `id` or `en`."
    ),
    PersonUpdate: BodyDoc({"active": False}),
    ContactChange: BodyDoc(
        {"email": "hrd@example.co.id", "language": "id"},
        "The address the reminders about your applications go to besides your staff (a "
        "department's, not a foreign worker's); `language` is theirs: `id` or `en`.",
    ),
}


# Operations whose code has no docstring to publish.
OPERATIONS: dict[tuple[str, str], str] = {
    ("get", "/upts"): "Every UPT (Lapas, Rutan, Rutan branch, Bapas) with its kind.",
    ("get", "/upts/{upt_code}/offerings"): "The programmes the UPT runs, with the cohort's "
    "planned dates (Jakarta dates) and the LSP that certifies it.",
    ("get", "/programmes"): "Every programme with its scheme, minimum education, sessions, "
    "modules and competency units.",
    ("get", "/programmes/{code}"): "One programme with its modules and competency units.",
    ("get", "/enrolments/{enrolment_id}"): "The case as the read model holds it: stage, "
    "outcome, whom it waits on (`awaiting_*`), attendance, certificate.",
    ("get", "/tasks/{task_id}"): "One inbox task with its history: who claimed, released, "
    "reassigned or decided it.",
    ("post", "/tasks/{task_id}/claim"): "Take the task: colleagues then get a 409 naming you.",
    ("post", "/tasks/{task_id}/reassign"): "A supervisor of the task's scope gives it to "
    "another person.",
    ("get", "/permits/{application_id}"): "The application as the read model holds it, with "
    "the DKPTKA `billing_code` once billed and the visa, ITAS and EPO numbers once issued.",
    ("get", "/documents/{document_id}"): "A document's metadata (kind, content type, size, "
    "sha256, file name, uploader, the application it belongs to) for someone allowed to "
    "open it; the file itself is `GET /documents/{document_id}/content`.",
    ("get", "/people/{subject}"): "One person of the directory, with roles and scopes; an "
    "administrator reads only the people their ministry maintains (403 otherwise).",
    ("get", "/incidents"): "For operators: the cases an activity cannot move (only the open "
    "ones unless `open_only=false`), with the case's kind and id, the activity and the "
    "error, never the case's content; `POST /incidents/{incident_id}/retry` runs the "
    "activity again.",
}
DECISION = (
    "{summary}. The actor (who, role, scope) is taken from the token. The workflow's "
    "validator has the last word: 403 wrong role or scope, 409 wrong stage or a closed case "
    "or a task a colleague claimed, 422 a malformed or inconsistent decision; nothing is "
    "recorded then. Accepted, it answers with the case's new state once the workflow acted."
)


def install_openapi_docs(app: FastAPI) -> None:
    """Serve `/openapi.json` with the conventions, the request bodies' examples, the
    Jakarta-date descriptions and the inbox's typed `decide` bodies."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=CONVENTIONS.strip(),
                routes=app.routes,
            )
            add_decide_contract(schema, _decide_examples())
            _add_callback_body(schema)
            document(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


CALLBACK = "/payments/simponi/callback"
PAYMENT_EXAMPLE = {
    "payment_id": "SIMPONI-PAY-1",
    "billing_code": "820261202000001",
    "amount_usd": 1200,
    "paid_at": "2026-12-02T10:00:00+07:00",
}


def _add_callback_body(schema: dict[str, Any]) -> None:
    """The callback reads its raw body (the signature is over its bytes): publish its shape."""
    operation = schema["paths"].get(CALLBACK, {}).get("post")
    if operation is None or "requestBody" in operation:
        return
    component = PaymentConfirmation.model_json_schema()
    component["examples"] = [PAYMENT_EXAMPLE]
    schema["components"]["schemas"].setdefault("PaymentConfirmation", component)
    operation["requestBody"] = {
        "required": True,
        "description": "Signed: `X-Simponi-Signature` is the hex HMAC-SHA256 of "
        "`X-Simponi-Timestamp + '.' + the raw body` with the shared secret.",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/PaymentConfirmation"}}
        },
    }


def _decide_examples() -> dict[str, dict[str, Any]]:
    """Each task kind's example: its decision endpoint's body example."""
    found = {}
    for kind in case_kinds.CASE_KINDS.values():
        for task_kind, decider in kind.deciders.items():
            fields = [m for m in REQUEST_BODIES if issubclass(decider.payload, m)]
            if fields:
                found[task_kind] = REQUEST_BODIES[fields[0]].example
    return found


def document(schema: dict[str, Any]) -> None:
    components: dict[str, dict[str, Any]] = schema.get("components", {}).get("schemas", {})
    for model, doc in REQUEST_BODIES.items():
        component = components.get(model.__name__)
        if component is None:
            continue
        component["examples"] = [doc.example]
        if doc.description is not None and not component.get("description"):
            component["description"] = doc.description
    for name, component in components.items():
        _describe_dates(component)
        if "__" in name:
            # Two models of one name (Process A's and B's `Stage`, `Outcome`): FastAPI keys
            # them by module, but generators name classes by title. Make the titles unique.
            module = name.split("__")[-2]
            component["title"] = f"{module.capitalize()}{component.get('title', '')}"
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if operation.get("description"):
                continue
            known = OPERATIONS.get((method, path))
            if known is not None:
                operation["description"] = known
            elif method == "post" and operation.get("summary"):
                operation["description"] = DECISION.format(summary=operation["summary"])


def _describe_dates(node: Any) -> None:
    """Every date property, however nested (anyOf with null), says it is a Jakarta date."""
    if isinstance(node, dict):
        for prop in node.get("properties", {}).values():
            if _is_date(prop):
                prop["description"] = (
                    f"{prop['description']}. {JAKARTA_DATE}"
                    if prop.get("description")
                    else JAKARTA_DATE
                )
        for value in node.values():
            if isinstance(value, dict | list):
                _describe_dates(value)
    elif isinstance(node, list):
        for value in node:
            _describe_dates(value)


def _is_date(prop: dict[str, Any]) -> bool:
    options = [prop, *prop.get("anyOf", [])]
    return any(isinstance(o, dict) and o.get("format") == "date" for o in options)
