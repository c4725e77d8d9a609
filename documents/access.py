"""Who may open a document, pure: the employer whose NIB owns it; ministry staff whose step
needs its kind, once it is part of an application; auditors of Process B. Anyone else gets
a 403 (ids are 80 random bits: knowing one is no way to guess another)."""

from __future__ import annotations

from documents.models import DocumentKind, DocumentRecord
from domain.errors import DomainError, forbidden
from domain.identity import Actor, Ministry, Role
from domain.permit_rules import audits_process_b

_ALL = frozenset(DocumentKind)
# The step each role decides, and what it reads for it.
STAFF_NEEDS: dict[Role, tuple[Ministry, frozenset[DocumentKind]]] = {
    # Document verification, feasibility, the extension's verification: everything.
    Role.KEMNAKER_VERIFIER: (Ministry.KEMNAKER, _ALL),
    # Pengesahan RPTKA and the extension's approval.
    Role.KEMNAKER_DIRECTOR: (Ministry.KEMNAKER, _ALL),
    # The visa decision: who the TKA is and what they are qualified for.
    Role.IMIGRASI_OFFICER: (
        Ministry.IMIGRASI,
        frozenset({DocumentKind.PASSPORT_SCAN, DocumentKind.CV, DocumentKind.DIPLOMA}),
    ),
    # Overdue annual reports are escalated to Kemnaker's officers.
    Role.KEMNAKER_OFFICER: (Ministry.KEMNAKER, frozenset({DocumentKind.ANNUAL_REPORT})),
}


def _missing(doc: DocumentRecord) -> DomainError:
    return forbidden(f"document {doc.document_id} is not yours to open")


def check_may_open(actor: Actor, doc: DocumentRecord) -> bool:
    """Raises 403 when the actor may not open it; True when the opening must be recorded
    (staff and auditors), False for the owner."""
    if actor.role is Role.EMPLOYER:
        if actor.scope.employer_nib != doc.owner_nib:
            raise _missing(doc)
        return False
    if doc.application_id is None:
        raise _missing(doc)  # a draft's documents are the employer's only
    if actor.role is Role.AUDITOR:
        if not audits_process_b(actor.scope):
            raise _missing(doc)
        return True
    needs = STAFF_NEEDS.get(actor.role)
    if needs is None or actor.scope.ministry is not needs[0] or doc.kind not in needs[1]:
        raise _missing(doc)
    return True
