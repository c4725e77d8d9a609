-- Documents of TKA applications (the bytes are sealed in the document store, never here),
-- and every opening of one by ministry staff or an auditor, append-only.
CREATE TABLE documents (
    document_id    text PRIMARY KEY,
    owner_nib      text NOT NULL,
    kind           text NOT NULL,
    content_type   text NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg',
                                                         'image/png')),
    size_bytes     integer NOT NULL CHECK (size_bytes > 0),
    sha256         text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    file_name      text NOT NULL,           -- as the employer named it: shown, never a path
    key_id         text NOT NULL,           -- the encryption key it is sealed with
    uploaded_by    text NOT NULL,
    uploaded_at    timestamptz NOT NULL,
    application_id text REFERENCES permit_applications (application_id),
    attached_at    timestamptz,
    superseded_by  text REFERENCES documents (document_id),  -- replaced on a revision: kept
    superseded_at  timestamptz
);
CREATE INDEX documents_by_application ON documents (application_id, kind, uploaded_at);
CREATE INDEX documents_by_owner ON documents (owner_nib, uploaded_at);

CREATE TABLE document_openings (
    opening_id     bigserial PRIMARY KEY,
    document_id    text NOT NULL REFERENCES documents (document_id),
    application_id text,
    subject        text NOT NULL,
    role           text NOT NULL,
    ministry       text,
    opened_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX document_openings_by_document ON document_openings (document_id, opened_at);
CREATE TRIGGER document_openings_append_only BEFORE UPDATE OR DELETE ON document_openings
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER document_openings_no_truncate BEFORE TRUNCATE ON document_openings
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON document_openings FROM PUBLIC;
