"""A stored document as Sinergi records it (never its bytes)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.permit_life import DocumentRef


class DocumentKind(StrEnum):
    PASSPORT_SCAN = "passport_scan"
    CV = "cv"
    DIPLOMA = "diploma"
    PENDAMPING_STATEMENT = "pendamping_statement"
    RPTKA_PLAN = "rptka_plan"
    ANNUAL_REPORT = "annual_report"
    EXTENSION_REQUEST = "extension_request"


class ContentType(StrEnum):
    PDF = "application/pdf"
    JPEG = "image/jpeg"
    PNG = "image/png"


class DocumentRecord(BaseModel):
    """The documents row. `file_name` is what the employer called it: shown, never a path."""

    model_config = ConfigDict(frozen=True)

    document_id: str
    owner_nib: str
    kind: DocumentKind
    content_type: ContentType
    size_bytes: int
    sha256: str
    file_name: str
    key_id: str
    uploaded_by: str
    uploaded_at: datetime
    application_id: str | None = None
    attached_at: datetime | None = None
    superseded_by: str | None = None
    superseded_at: datetime | None = None

    def ref(self) -> DocumentRef:
        return DocumentRef(document_id=self.document_id, kind=self.kind.value, sha256=self.sha256)


class DocumentOpening(BaseModel):
    """One opening of a document by ministry staff or an auditor (append-only)."""

    model_config = ConfigDict(frozen=True)

    document_id: str
    application_id: str | None
    subject: str
    role: str
    ministry: str | None
    opened_at: datetime
