"""The active TKA permit over HTTP: the employer's annual report and extension request,
Kemnaker's verification and approval of the extension, and a change of position or work
location (always refused: it needs a new application). Early termination is
`POST /permits/{id}/termination` (`api/permits.py`).

Each is an Update on the application's workflow (`workflows/permit_life.py`), whose validator
runs the rule of `domain/permit_life_rules.py`: 403 wrong role or NIB, 409 wrong time or
stage, 422 bad content; the inbox decides the reviewers' tasks through the same routes.
"""

from __future__ import annotations

from fastapi import APIRouter

from api import case_kinds
from api.decision_routes import DecisionRoute, add_decision_routes, deciders
from api.permits import send_decision
from domain.identity import Role
from domain.permit import WORKFLOW_KIND, PermitState
from domain.permit_life import (
    ANNUAL_REPORT_TASK,
    EXTENSION_APPROVAL_TASK,
    EXTENSION_VERIFICATION_TASK,
    AnnualReportFields,
    AnnualReportSubmission,
    ChangeRequest,
    ChangeRequestFields,
    ExtensionDecision,
    ExtensionDecisionFields,
    ExtensionRequest,
    ExtensionRequestFields,
)
from workflows.permit import PermitWorkflow

router = APIRouter(prefix="/permits", tags=["TKA permits: the active permit"])

LIFE_ROUTES = (
    DecisionRoute("annual-reports", (Role.EMPLOYER,), AnnualReportFields,
                  AnnualReportSubmission, PermitWorkflow.submit_annual_report,
                  "The employer files the report on one year of the permit (due on each "
                  "anniversary; overdue reports escalate to the Kemnaker officer)",
                  task_kinds=(ANNUAL_REPORT_TASK,)),
    DecisionRoute("extension", (Role.EMPLOYER,), ExtensionRequestFields, ExtensionRequest,
                  PermitWorkflow.request_extension,
                  "The employer asks for an extension, at least 30 working days before "
                  "expiry; the permit continues while it is decided"),
    DecisionRoute("extension-verification", (Role.KEMNAKER_VERIFIER,),
                  ExtensionDecisionFields, ExtensionDecision, PermitWorkflow.verify_extension,
                  "Kemnaker's verifier approves or rejects an extension request",
                  task_kinds=(EXTENSION_VERIFICATION_TASK,)),
    DecisionRoute("extension-approval", (Role.KEMNAKER_DIRECTOR,), ExtensionDecisionFields,
                  ExtensionDecision, PermitWorkflow.approve_extension,
                  "Kemnaker's director approves (SIMKIM extends the ITAS) or rejects",
                  task_kinds=(EXTENSION_APPROVAL_TASK,)),
    DecisionRoute("changes", (Role.EMPLOYER,), ChangeRequestFields, ChangeRequest,
                  PermitWorkflow.request_change,
                  "A change of position or work location: refused, it needs a new application"),
)  # fmt: skip

add_decision_routes(
    router,
    LIFE_ROUTES,
    case_param="application_id",
    response_model=PermitState,
    send=send_decision,
    name_prefix="permit_",
)
case_kinds.add_deciders(WORKFLOW_KIND, deciders(LIFE_ROUTES, send_decision))
