"""Every operation x every role x in scope / out of scope, allowed or denied exactly as
domain.md's table "People and what they may do" says; and no operation without a rule.

EXPECTED is the table, written from domain.md (and README's inbox table for the supervisor,
a role domain.md does not list yet). PROBES says how each operation is asked: about which
real case or task, with a valid body that a later rule refuses, so an allowed person gets a
404/409/422 and the shared cases never move. The machinery is in tests/api/matrix.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter

from api.main import create_app
from config.settings import Environment, Settings
from domain.clock import jakarta_today
from domain.identity import Role
from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api.conftest import ApiStack
from tests.api.matrix import (
    ANY_ROLE,
    PERSON_SUBJECT,
    Body,
    Operation,
    Probe,
    Rule,
    Target,
    may,
    mismatches,
    operations,
    receiver_and,
    subject,
    task_role_and,
)
from tests.api.permit_flows import submission as permit_submission

CASE = "/enrolments/{enrolment_id}"

# Who reads a case: its UPT's caseworkers and TPP, its LSP's assessors, the Kemnaker
# instructor and officer (training records, escalations) and auditors. Kemnaker's verifier and
# director work on TKA permits only; Bapas, employers, Imigrasi and supervisors have no part.
CASE_READERS = may(
    Role.CASEWORKER,
    Role.TPP_MEMBER,
    Role.LSP_ASSESSOR,
    Role.KEMNAKER_INSTRUCTOR,
    Role.KEMNAKER_OFFICER,
    Role.AUDITOR,
)

# Who reads an inmate's journey: its UPT's caseworkers and TPP, the Kemnaker officer (job
# placement, escalations) and auditors of Process A.
JOURNEY_READERS = may(Role.CASEWORKER, Role.TPP_MEMBER, Role.KEMNAKER_OFFICER, Role.AUDITOR)
INMATE_LOOKERS = may(Role.CASEWORKER, Role.TPP_MEMBER, Role.AUDITOR)
# A handover is for its receiver (the Bapas's PK, or Kemnaker's officer) and auditors.
HANDOVER_READERS = receiver_and(Role.AUDITOR)
PLACEMENT = "/placements/{placement_id}"
PLACEMENT_READERS = may(Role.KEMNAKER_OFFICER, Role.AUDITOR)
PERMIT = "/permits/{application_id}"
AUDITED = "/audit/cases/{case_kind}/{case_id}"
AUDIT_CASE = f"{AUDITED}/verification"
# The case at placement review and the permit at verification, named by kind and id.
AUDITED_CASES = ("placement", "permit")
PERMIT_READERS = may(
    Role.EMPLOYER,
    Role.KEMNAKER_VERIFIER,
    Role.KEMNAKER_DIRECTOR,
    Role.IMIGRASI_OFFICER,
    Role.AUDITOR,
)

DOCUMENT_OPENERS = may(
    Role.EMPLOYER,
    Role.KEMNAKER_VERIFIER,
    Role.KEMNAKER_DIRECTOR,
    Role.IMIGRASI_OFFICER,
    Role.AUDITOR,
)

EXPECTED: dict[Operation, Rule] = {
    ("GET", "/health"): ANY_ROLE,  # public; without a token: test_authentication.py
    # The public certificate check: no login, whoever asks (tests/api/test_certificate_check.py)
    ("POST", "/public/certificate-check"): ANY_ROLE,
    ("GET", "/upts"): ANY_ROLE,
    ("GET", "/upts/{upt_code}/offerings"): ANY_ROLE,
    ("GET", "/programmes"): ANY_ROLE,
    ("GET", "/programmes/{code}"): ANY_ROLE,
    # Stage 1: a caseworker of the inmate's UPT enrols.
    ("POST", "/enrolments"): may(Role.CASEWORKER),
    # A cohort: any caseworker may send one; each row of another UPT is rejected in the
    # answer (tests/api/test_cohort_enrolment.py), so the call itself has no scope.
    ("POST", "/cohorts/enrolments"): Rule(frozenset({Role.CASEWORKER}), any_scope=True),
    # A cohort's status: the caseworkers of its UPT.
    ("GET", "/cohorts/{cohort_id}"): may(Role.CASEWORKER),
    ("GET", "/enrolments"): CASE_READERS,
    ("GET", CASE): CASE_READERS,
    ("GET", f"{CASE}/state"): CASE_READERS,
    ("GET", f"{CASE}/decisions"): CASE_READERS,
    # Stage 2 and any open stage: the TPP of the UPT decides placement and withdraws.
    ("POST", f"{CASE}/placement"): may(Role.TPP_MEMBER),
    ("POST", f"{CASE}/withdrawal"): may(Role.TPP_MEMBER),
    # Stage 3: attendance by the UPT's caseworker or the Kemnaker instructor; modules and
    # closing by the instructor.
    ("POST", f"{CASE}/attendance"): may(Role.CASEWORKER, Role.KEMNAKER_INSTRUCTOR),
    ("POST", f"{CASE}/modules"): may(Role.KEMNAKER_INSTRUCTOR),
    ("POST", f"{CASE}/training-completion"): may(Role.KEMNAKER_INSTRUCTOR),
    # Stage 4: assessors of the case's LSP assess and sit on the appeal panel; the caseworker
    # files the appeal for the inmate.
    ("POST", f"{CASE}/assessments"): may(Role.LSP_ASSESSOR),
    ("POST", f"{CASE}/appeal-decision"): may(Role.LSP_ASSESSOR),
    ("POST", f"{CASE}/appeals"): may(Role.CASEWORKER),
    # Custody holds: the TPP of the UPT where the case is now resumes or withdraws it.
    ("POST", f"{CASE}/hold-review"): may(Role.TPP_MEMBER),
    # Custody events: SDP for every UPT; a caseworker for inmates held at their UPT.
    ("POST", "/custody-events"): Rule(
        frozenset({Role.CASEWORKER}), anywhere=frozenset({Role.SDP_SYSTEM})
    ),
    ("GET", "/journeys"): JOURNEY_READERS,
    ("GET", "/journeys/{inmate_sdp_no}"): JOURNEY_READERS,
    # Looking inmates up in SDP: the staff of the UPT holding them; auditors of Process A.
    ("GET", "/inmates/{inmate_sdp_no}"): INMATE_LOOKERS,
    ("GET", "/upts/{upt_code}/inmates"): INMATE_LOOKERS,
    # Release handover: each receiver acknowledges its own; auditors read.
    ("GET", "/handovers"): HANDOVER_READERS,
    ("GET", "/handovers/{handover_id}"): HANDOVER_READERS,
    ("GET", "/handovers/{handover_id}/package.pdf"): HANDOVER_READERS,
    ("POST", "/handovers/{handover_id}/acknowledgement"): receiver_and(),
    # Reviewer tasks: the task's required role within the task's scope. A supervisor of the
    # scope sees the task, releases and reassigns it (its inbox holds only escalated tasks,
    # and none of these is). Auditors read a task's history but have no work.
    # After release: job placement (a Kemnaker officer) follows the released person up;
    # auditors of Process A read.
    ("GET", "/placements"): PLACEMENT_READERS,
    ("GET", f"{PLACEMENT}"): PLACEMENT_READERS,
    ("POST", f"{PLACEMENT}/contacts"): may(Role.KEMNAKER_OFFICER),
    ("POST", f"{PLACEMENT}/referrals"): may(Role.KEMNAKER_OFFICER),
    ("POST", f"{PLACEMENT}/outcome"): may(Role.KEMNAKER_OFFICER),
    ("POST", f"{PLACEMENT}/check-ins"): may(Role.KEMNAKER_OFFICER),
    ("GET", "/inbox"): task_role_and(),
    # A supervisor's escalations: the escalated tasks of the scope it supervises.
    ("GET", "/inbox/escalations"): may(Role.SUPERVISOR),
    ("GET", "/tasks/{task_id}"): task_role_and(Role.SUPERVISOR, Role.AUDITOR),
    ("POST", "/tasks/{task_id}/claim"): task_role_and(),
    ("POST", "/tasks/{task_id}/unclaim"): task_role_and(Role.SUPERVISOR),
    ("POST", "/tasks/{task_id}/reassign"): may(Role.SUPERVISOR),
    ("POST", "/tasks/{task_id}/decide"): task_role_and(),
    # Process B (TKA permits). Any employer submits, for the NIB in its token; an employer
    # reads and acts on its own applications only; Kemnaker's verifier and director and
    # Imigrasi's officer read every application and decide their own steps; auditors of
    # Kemnaker, Imigrasi or all ministries read.
    ("POST", "/permits"): Rule(frozenset({Role.EMPLOYER}), any_scope=True),
    ("GET", "/permits"): PERMIT_READERS,
    ("GET", PERMIT): PERMIT_READERS,
    ("GET", f"{PERMIT}/state"): PERMIT_READERS,
    ("GET", f"{PERMIT}/decisions"): PERMIT_READERS,
    ("POST", f"{PERMIT}/verification"): may(Role.KEMNAKER_VERIFIER),
    ("POST", f"{PERMIT}/feasibility"): may(Role.KEMNAKER_VERIFIER),
    ("POST", f"{PERMIT}/rptka"): may(Role.KEMNAKER_DIRECTOR),
    ("POST", f"{PERMIT}/resubmission"): may(Role.EMPLOYER),
    ("POST", f"{PERMIT}/visa"): may(Role.IMIGRASI_OFFICER),
    ("POST", f"{PERMIT}/arrival"): may(Role.IMIGRASI_OFFICER),
    ("POST", f"{PERMIT}/termination"): may(Role.EMPLOYER, Role.IMIGRASI_OFFICER),
    # The active permit (api/permit_life.py): the employer files annual reports, asks for an
    # extension (or a change, always refused); Kemnaker's verifier and director decide it.
    ("POST", f"{PERMIT}/annual-reports"): may(Role.EMPLOYER),
    ("POST", f"{PERMIT}/extension"): may(Role.EMPLOYER),
    ("POST", f"{PERMIT}/extension-verification"): may(Role.KEMNAKER_VERIFIER),
    ("POST", f"{PERMIT}/extension-approval"): may(Role.KEMNAKER_DIRECTOR),
    ("POST", f"{PERMIT}/changes"): may(Role.EMPLOYER),
    # Documents (api/documents.py): any employer uploads, for the NIB in its token; a
    # passport scan is opened by its employer, Kemnaker's verifier and director, Imigrasi's
    # officer (the visa) and auditors of Process B, not by Kemnaker's officer (who reads
    # overdue annual reports only); who opened it is for auditors.
    ("POST", "/documents"): Rule(frozenset({Role.EMPLOYER}), any_scope=True),
    ("GET", "/documents/{document_id}"): DOCUMENT_OPENERS,
    ("GET", "/documents/{document_id}/content"): DOCUMENT_OPENERS,
    ("GET", "/documents/{document_id}/openings"): may(Role.AUDITOR),
    ("GET", f"{PERMIT}/documents"): PERMIT_READERS,
    ("GET", f"{PERMIT}/payment"): PERMIT_READERS,
    # Staff search: officers of the ministry whose step it is (not employers, not auditors:
    # they have GET /permits and /audit/cases).
    ("POST", "/permits/search"): may(
        Role.KEMNAKER_VERIFIER, Role.KEMNAKER_DIRECTOR, Role.IMIGRASI_OFFICER
    ),
    # SIMPONI's callback takes no token: the HMAC signature is its credential, whoever
    # (or whatever token) sends it. Unsigned: tests/api/test_payment_callback.py.
    ("POST", "/payments/simponi/callback"): ANY_ROLE,
    # The audit trail: auditors only, never a write. Every auditor verifies the cases of the
    # processes their ministry audits (each ministry audits one or both); one case only when
    # its process is theirs.
    ("GET", "/audit/verification"): Rule(anywhere=frozenset({Role.AUDITOR})),
    ("GET", AUDIT_CASE): may(Role.AUDITOR),
    ("GET", f"{AUDITED}/trail"): may(Role.AUDITOR),
    # For auditors only (domain.md: "histories, audit trail, reports; never changes
    # anything"): a case's history and the search within the kinds their scope audits; the
    # reports on a process they audit. SLA compliance counts only what they audit, and the
    # request log shows their own ministry's auditors: neither refuses any auditor.
    ("GET", "/audit/cases"): may(Role.AUDITOR),
    ("GET", f"{AUDITED}/history"): may(Role.AUDITOR),
    ("GET", f"{AUDITED}/history/raw"): may(Role.AUDITOR),
    ("GET", f"{AUDITED}/history/consistency"): may(Role.AUDITOR),
    ("GET", "/audit/reads"): Rule(frozenset({Role.AUDITOR}), any_scope=True),
    ("GET", "/reports/certification-funnel"): may(Role.AUDITOR),
    ("GET", "/reports/tka-pipeline"): may(Role.AUDITOR),
    ("GET", "/reports/placement-funnel"): may(Role.AUDITOR),
    ("GET", "/reports/sla-compliance"): Rule(frozenset({Role.AUDITOR}), any_scope=True),
    # The TKA supervision reports: auditors of Process B, like the pipeline.
    ("GET", "/reports/tka-active-permits"): may(Role.AUDITOR),
    ("GET", "/reports/tka-expiring-permits"): may(Role.AUDITOR),
    ("GET", "/reports/tka-overdue-annual-reports"): may(Role.AUDITOR),
    # The directory of people: administrators of the person's ministry (a Kemnaker officer
    # here); everyone reads their own entry and chooses their language.
    ("GET", "/people"): may(Role.ADMINISTRATOR),
    ("POST", "/people"): may(Role.ADMINISTRATOR),
    ("GET", "/people/me"): ANY_ROLE,
    ("PATCH", "/people/me"): ANY_ROLE,
    ("GET", "/people/{subject}"): may(Role.ADMINISTRATOR),
    ("PATCH", "/people/{subject}"): may(Role.ADMINISTRATOR),
    # In-app notifications: everyone has their own (another's is a 404: not theirs).
    ("GET", "/notifications"): ANY_ROLE,
    ("POST", "/notifications/{notification_id}/read"): ANY_ROLE,
    # Deliveries are the operator's: counts and dead letters carry no case data or address.
    ("GET", "/deliveries/summary"): Rule(anywhere=frozenset({Role.OPERATOR})),
    ("GET", "/deliveries/dead-letters"): Rule(anywhere=frozenset({Role.OPERATOR})),
    ("POST", "/deliveries/dead-letters/{reference}/retry"): Rule(
        anywhere=frozenset({Role.OPERATOR})
    ),
    ("GET", "/dev/mail"): Rule(anywhere=frozenset({Role.OPERATOR})),
    # An employer's contact e-mail: each employer its own NIB's (from its token, never the
    # request), so in or out of the probed case's scope it reaches its own.
    ("GET", "/employer/contact"): Rule(anywhere=frozenset({Role.EMPLOYER})),
    ("PUT", "/employer/contact"): Rule(anywhere=frozenset({Role.EMPLOYER})),
    # The codec server (Temporal UI and CLI): operators, and auditors of every ministry (the
    # matrix's auditors are each of one ministry: refused; tests/api/test_codec.py has both).
    ("POST", "/codec/{namespace}/decode"): Rule(anywhere=frozenset({Role.OPERATOR})),
    ("POST", "/codec/decode"): Rule(anywhere=frozenset({Role.OPERATOR})),
    # Operations: readiness is public like /health; metrics are for operators (and the
    # scrape token, tests/api/test_metrics.py).
    ("GET", "/ready"): ANY_ROLE,
    ("GET", "/metrics"): Rule(anywhere=frozenset({Role.OPERATOR})),
    # Incidents: operators run the system; they see a stuck case's kind and id, no content.
    ("GET", "/incidents"): Rule(frozenset({Role.OPERATOR}), any_scope=True),
    ("POST", "/incidents/{incident_id}/retry"): Rule(frozenset({Role.OPERATOR}), any_scope=True),
}


# ---------------------------------------------------------------- how each is asked

TASKS = (
    "placement_review task",
    "training_completion task",
    "assessment task",
    "document_verification task",
)
REASON: dict[str, Any] = {"reason": "checking who may do this"}
APPROVE: dict[str, Any] = {"decision": "approve", "reason": "checking who may do this"}
# Refused by the placement rule (a deferral needs a future date) after role and scope passed.
PAST_DEFERRAL: dict[str, Any] = {
    "decision": "defer",
    "reason": "revisit after the next cohort",
    "defer_until": str(jakarta_today() - timedelta(days=7)),
}
UNKNOWN_UNIT: dict[str, Any] = {
    "tuk_code": "TUK-LAPAS-CIPINANG",
    "results": {"X.NO.UNIT": "K"},  # not a BARISTA unit
    "reason": "observed practice",
}


UNKNOWN_BILL: dict[str, Any] = {
    "payment_id": "PAY-MATRIX",
    "billing_code": "800000000000001",
    "amount_usd": 100,
    "paid_at": "2026-11-20T10:00:00+07:00",
}
CLOSED_PERMIT = ("closed permit",)
PERSON: dict[str, Any] = {
    "subject": PERSON_SUBJECT,
    "display_name": "Orang Matriks",
    "roles": [{"role": "kemnaker_officer", "scope": {"ministry": "kemnaker"}}],
}


def _same(body: dict[str, Any]) -> Body:
    return lambda _: body


def _decision(target: Target) -> dict[str, Any]:
    """A valid decision of the task's kind that the case's rule refuses."""
    assert target.task is not None
    return {
        "placement_review": PAST_DEFERRAL,
        "training_completion": REASON,  # refused: attendance is 0/20
        "assessment": UNKNOWN_UNIT,
        "document_verification": {"decision": "maybe", "reason": "not a choice"},  # 422
    }[target.task.kind]


HANDOVERS = ("bapas handover", "job placement handover")


def _custody_event(target: Target) -> dict[str, Any]:
    """A transfer of the target's inmate to a UPT that does not exist: 422 once allowed."""
    return {
        "event_id": "SDP-MATRIX-1",
        "inmate_sdp_no": target.params["inmate_sdp_no"],
        "kind": "transfer",
        "occurred_at": "2026-12-01T10:00:00+07:00",
        "to_upt": "LP-NOWHERE",
    }


def _reassignment(target: Target) -> dict[str, Any]:
    """To the person of the task's role who may hold it: no one else's claim is disturbed."""
    assert target.task is not None
    return {"to_subject": subject(target.task.required_role, in_scope=True)}


PROBES: dict[Operation, Probe] = {
    ("GET", "/health"): Probe(("reference",)),
    # An unknown number (404), or past the bucket (429).
    ("POST", "/public/certificate-check"): Probe(
        ("reference",), _same({"certificate_number": "NO-SUCH-1", "birth_date": "1990-01-01"})
    ),
    ("GET", "/upts"): Probe(("reference",)),
    ("GET", "/upts/{upt_code}/offerings"): Probe(("reference",)),
    ("GET", "/programmes"): Probe(("reference",)),
    ("GET", "/programmes/{code}"): Probe(("reference",)),
    # The inmate of the case at placement review: a duplicate, refused with 409.
    ("POST", "/enrolments"): Probe(
        ("placement",),
        _same({"inmate_sdp_no": DEMO_ELIGIBLE, "programme_code": "BARISTA", "reason": "again"}),
    ),
    # The same inmate as a cohort row: reported already enrolled (or of another UPT).
    ("POST", "/cohorts/enrolments"): Probe(
        ("placement",),
        _same(
            {
                "rows": [
                    {"inmate_sdp_no": DEMO_ELIGIBLE, "programme_code": "BARISTA", "reason": "again"}
                ]
            }
        ),
    ),
    ("GET", "/cohorts/{cohort_id}"): Probe(("cohort",)),
    ("GET", "/enrolments"): Probe(("placement",), lists="enrolment_id"),
    ("GET", CASE): Probe(("placement",)),
    ("GET", f"{CASE}/state"): Probe(("placement",)),
    ("GET", f"{CASE}/decisions"): Probe(("placement",)),
    ("POST", f"{CASE}/placement"): Probe(("placement",), _same(PAST_DEFERRAL)),  # 422
    ("POST", f"{CASE}/withdrawal"): Probe(("closed",), _same(REASON)),  # 409: closed
    ("POST", f"{CASE}/attendance"): Probe(
        ("training",),
        _same({"session_no": 999, "session_date": str(jakarta_today()), "present": True}),
    ),  # 422: BARISTA has 20 sessions
    ("POST", f"{CASE}/modules"): Probe(("training",), _same({"module_code": "NOT-A-MODULE"})),
    ("POST", f"{CASE}/training-completion"): Probe(("training",), _same(REASON)),  # 409: 0/20
    ("POST", f"{CASE}/assessments"): Probe(("assessment",), _same(UNKNOWN_UNIT)),  # 422
    ("POST", f"{CASE}/appeal-decision"): Probe(
        ("assessment",),  # 409: no appeal is under review
        _same(
            {
                "panel": [subject(Role.LSP_ASSESSOR, in_scope=True), "asr-panel-2", "asr-panel-3"],
                "outcome": "reassess",
                "reason": "checking who may do this",
            }
        ),
    ),
    ("POST", f"{CASE}/appeals"): Probe(("assessment",), _same(REASON)),  # 409: nothing decided
    ("POST", f"{CASE}/hold-review"): Probe(
        ("placement",), _same({"decision": "resume", "reason": "checking who may do this"})
    ),  # 409: no hold
    ("POST", "/custody-events"): Probe(("journey",), _custody_event),  # 422: unknown UPT
    ("GET", "/journeys"): Probe(("journey",), lists="inmate_sdp_no"),
    ("GET", "/journeys/{inmate_sdp_no}"): Probe(("journey", "released")),
    ("GET", "/inmates/{inmate_sdp_no}"): Probe(("journey",)),
    ("GET", "/upts/{upt_code}/inmates"): Probe(("inmates",), lists="sdp_no"),
    ("GET", "/handovers"): Probe(HANDOVERS, lists="handover_id"),
    ("GET", "/handovers/{handover_id}"): Probe(HANDOVERS),
    ("GET", "/handovers/{handover_id}/package.pdf"): Probe(HANDOVERS),
    ("POST", "/handovers/{handover_id}/acknowledgement"): Probe(
        HANDOVERS, _same(REASON)
    ),  # 409: already acknowledged
    # The placement case closed at once (no consent): an allowed decision is a 409.
    ("GET", "/placements"): Probe(("closed placement",), lists="placement_id"),
    ("GET", PLACEMENT): Probe(("closed placement",)),
    ("POST", f"{PLACEMENT}/contacts"): Probe(
        ("closed placement",), _same({"channel": "phone", "reached": True} | REASON)
    ),
    ("POST", f"{PLACEMENT}/referrals"): Probe(
        ("closed placement",), _same({"kind": "vacancy", "to": "Barista, Kopi"} | REASON)
    ),
    ("POST", f"{PLACEMENT}/outcome"): Probe(
        ("closed placement",), _same({"outcome": "not_reached"} | REASON)
    ),
    ("POST", f"{PLACEMENT}/check-ins"): Probe(
        ("closed placement",), _same({"month": 1, "reached": True} | REASON)
    ),
    ("GET", "/inbox"): Probe(TASKS, lists="task_id"),
    ("GET", "/inbox/escalations"): Probe(("escalated task",), lists="task_id"),
    ("GET", "/tasks/{task_id}"): Probe(TASKS),
    ("POST", "/tasks/{task_id}/claim"): Probe(TASKS),  # the task's role in scope holds it after
    ("POST", "/tasks/{task_id}/unclaim"): Probe(TASKS),  # 200 for the holder, else 409
    ("POST", "/tasks/{task_id}/reassign"): Probe(TASKS, _reassignment),
    ("POST", "/tasks/{task_id}/decide"): Probe(TASKS, _decision),
    # Submissions breaking a rule (422); decisions on the rejected application (409: closed).
    ("POST", "/permits"): Probe(("permit",), _same(permit_submission(position_title="HR Manager"))),
    ("GET", "/permits"): Probe(("permit",), lists="application_id"),
    ("GET", PERMIT): Probe(("permit",)),
    ("GET", f"{PERMIT}/state"): Probe(("permit",)),
    ("GET", f"{PERMIT}/decisions"): Probe(("permit",)),
    ("POST", f"{PERMIT}/verification"): Probe(CLOSED_PERMIT, _same(APPROVE)),
    ("POST", f"{PERMIT}/feasibility"): Probe(
        CLOSED_PERMIT, _same({"decision": "feasible", "reason": "feasible"})
    ),
    ("POST", f"{PERMIT}/rptka"): Probe(CLOSED_PERMIT, _same(APPROVE)),
    ("POST", f"{PERMIT}/resubmission"): Probe(
        CLOSED_PERMIT, _same({"documents": ["diploma"], "reason": "resubmitted"})
    ),
    ("POST", f"{PERMIT}/visa"): Probe(CLOSED_PERMIT, _same(APPROVE)),
    ("POST", f"{PERMIT}/arrival"): Probe(
        CLOSED_PERMIT, _same({"arrived_on": "2026-11-20", "port_of_entry": "CGK"})
    ),
    ("POST", f"{PERMIT}/termination"): Probe(CLOSED_PERMIT, _same(REASON)),
    ("POST", f"{PERMIT}/annual-reports"): Probe(CLOSED_PERMIT, _same({"year": 1, **REASON})),
    ("POST", f"{PERMIT}/extension"): Probe(CLOSED_PERMIT, _same({"months": 6, **REASON})),
    ("POST", f"{PERMIT}/extension-verification"): Probe(CLOSED_PERMIT, _same(APPROVE)),
    ("POST", f"{PERMIT}/extension-approval"): Probe(CLOSED_PERMIT, _same(APPROVE)),
    # Not a PDF, JPEG or PNG: 415 once allowed, nothing stored.
    ("POST", "/documents"): Probe(("document",), _same({"not": "a scan"})),
    ("GET", "/documents/{document_id}"): Probe(("document",)),
    ("GET", "/documents/{document_id}/content"): Probe(("document",)),
    ("GET", "/documents/{document_id}/openings"): Probe(("document",)),
    ("GET", f"{PERMIT}/documents"): Probe(("permit",)),
    ("GET", f"{PERMIT}/payment"): Probe(("permit",)),
    ("POST", "/permits/search"): Probe(("permit",), _same({"nationality": "AU"})),
    ("POST", f"{PERMIT}/changes"): Probe(
        CLOSED_PERMIT, _same({"work_location": "Batam", **REASON})
    ),
    # A validly signed confirmation of a bill Sinergi never issued: 404.
    ("POST", "/payments/simponi/callback"): Probe(("permit",), _same(UNKNOWN_BILL), signed=True),
    ("GET", "/audit/verification"): Probe(("placement", "permit")),
    ("GET", AUDIT_CASE): Probe(("placement", "permit")),
    ("GET", f"{AUDITED}/trail"): Probe(("placement", "permit")),
    ("GET", "/audit/cases"): Probe(AUDITED_CASES, lists="case_id"),
    ("GET", f"{AUDITED}/history"): Probe(AUDITED_CASES),
    ("GET", f"{AUDITED}/history/raw"): Probe(AUDITED_CASES),
    ("GET", f"{AUDITED}/history/consistency"): Probe(AUDITED_CASES),
    ("GET", "/audit/reads"): Probe(("reference",)),
    ("GET", "/reports/certification-funnel"): Probe(("placement",)),
    ("GET", "/reports/tka-pipeline"): Probe(("permit",)),
    ("GET", "/reports/placement-funnel"): Probe(("placement",)),
    ("GET", "/reports/sla-compliance"): Probe(("reference",)),
    ("GET", "/reports/tka-active-permits"): Probe(("permit",)),
    ("GET", "/reports/tka-expiring-permits"): Probe(("permit",)),
    ("GET", "/reports/tka-overdue-annual-reports"): Probe(("permit",)),
    ("GET", "/people"): Probe(("person",), lists="subject"),
    # The person again (409 for their administrators; 403 for another ministry's).
    ("POST", "/people"): Probe(("person",), _same(PERSON)),
    ("GET", "/people/me"): Probe(("reference",)),
    ("PATCH", "/people/me"): Probe(("reference",), _same({"language": "id"})),
    ("GET", "/people/{subject}"): Probe(("person",)),
    # Roles another ministry maintains: 422 for their administrators.
    ("PATCH", "/people/{subject}"): Probe(
        ("person",),
        _same({"roles": [{"role": "imigrasi_officer", "scope": {"ministry": "imigrasi"}}]}),
    ),
    ("GET", "/notifications"): Probe(("reference",)),
    ("POST", "/notifications/{notification_id}/read"): Probe(("delivery",)),  # 404: not theirs
    ("GET", "/deliveries/summary"): Probe(("reference",)),
    ("GET", "/deliveries/dead-letters"): Probe(("reference",)),
    ("POST", "/deliveries/dead-letters/{reference}/retry"): Probe(("delivery",)),  # 404
    ("GET", "/dev/mail"): Probe(("reference",)),
    ("GET", "/employer/contact"): Probe(("reference",)),  # none set yet: 404
    ("PUT", "/employer/contact"): Probe(("reference",), _same({"email": "hrd@example.co.id"})),
    ("POST", "/codec/{namespace}/decode"): Probe(("reference",), _same({"payloads": []})),
    ("POST", "/codec/decode"): Probe(("reference",), _same({"payloads": []})),
    ("GET", "/ready"): Probe(("reference",)),
    ("GET", "/metrics"): Probe(("reference",)),
    ("GET", "/incidents"): Probe(("incident",)),
    ("POST", "/incidents/{incident_id}/retry"): Probe(("incident",)),  # 404 once allowed
}


# ---------------------------------------------------------------- the tests


def test_every_operation_has_a_rule_and_every_rule_an_operation() -> None:
    published = operations(create_app(Settings(environment=Environment.TEST)))
    unlisted = sorted(published - set(EXPECTED))
    assert not unlisted, f"operations with no permission rule in EXPECTED: {unlisted}"
    stale = sorted(set(EXPECTED) - published)
    assert not stale, f"EXPECTED names operations the API no longer has: {stale}"
    assert set(PROBES) == set(EXPECTED), set(PROBES) ^ set(EXPECTED)


def test_a_route_added_without_a_rule_is_named() -> None:
    """The guard above sees a route wherever it is mounted (routers nest)."""
    app = create_app(Settings(environment=Environment.TEST))
    router = APIRouter(prefix="/enrolments")

    @router.post("/{enrolment_id}/transfer")
    async def transfer(enrolment_id: str) -> None:
        return None

    app.include_router(router)
    assert operations(app) - set(EXPECTED) == {("POST", f"{CASE}/transfer")}


async def test_each_role_is_allowed_or_denied_as_the_domain_says(api: ApiStack) -> None:
    assert api.app is not None
    assert operations(api.app) == set(EXPECTED)
    found = await mismatches(api, EXPECTED, PROBES)
    assert not found, f"{len(found)} answers differ from domain.md:\n" + "\n".join(found)
