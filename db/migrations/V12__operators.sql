-- Operators (issue 16): the log of every payload decode the codec server made for the
-- Temporal Web UI or CLI, and the record of audit-trail verifications (the metric
-- "verification age" and the alert "chain verification failed" read it).

-- Every decode: who (subject and role, never a name), for which namespace and, when the
-- caller said, which workflow, how many payloads. Keyed by the request's own id (the
-- X-Request-Id its answer carried). Append-only, like auditor_requests.
CREATE TABLE codec_decodes (
    request_id   uuid PRIMARY KEY,
    at           timestamptz NOT NULL,
    subject      text NOT NULL,
    role         text NOT NULL,
    scope        jsonb NOT NULL,
    namespace    text NOT NULL,
    workflow_id  text,
    payloads     integer NOT NULL CHECK (payloads >= 0)
);
CREATE INDEX codec_decodes_by_at ON codec_decodes (at DESC, request_id);

-- Each full verification of the audit trail (CLI `sinergi audit verify`, or an auditor's
-- GET /audit/verification of every ministry): when, whether intact, the first break.
CREATE TABLE audit_verifications (
    verification_id  uuid PRIMARY KEY,
    at               timestamptz NOT NULL,
    intact           boolean NOT NULL,
    chains           bigint NOT NULL,
    rows_checked     bigint NOT NULL,
    first_break      text
);
CREATE INDEX audit_verifications_by_at ON audit_verifications (at DESC);

CREATE FUNCTION operators_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER codec_decodes_no_update_or_delete
    BEFORE UPDATE OR DELETE ON codec_decodes
    FOR EACH ROW EXECUTE FUNCTION operators_log_append_only();
CREATE TRIGGER codec_decodes_no_truncate
    BEFORE TRUNCATE ON codec_decodes
    FOR EACH STATEMENT EXECUTE FUNCTION operators_log_append_only();
CREATE TRIGGER audit_verifications_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_verifications
    FOR EACH ROW EXECUTE FUNCTION operators_log_append_only();
CREATE TRIGGER audit_verifications_no_truncate
    BEFORE TRUNCATE ON audit_verifications
    FOR EACH STATEMENT EXECUTE FUNCTION operators_log_append_only();
