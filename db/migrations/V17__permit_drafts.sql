-- The employer's application form keeps drafts: the fields as typed (not yet checked by the
-- submission rules) and the documents uploaded with them, one per kind. A draft belongs to
-- one NIB; submitting it links the application it started (one, however often it is sent).
CREATE TABLE permit_drafts (
    draft_id       text PRIMARY KEY CHECK (draft_id ~ '^DRF-[0-9A-F]{12}$'),
    employer_nib   text NOT NULL,
    fields         jsonb NOT NULL DEFAULT '{}'::jsonb,  -- form values as typed (personal data)
    documents      jsonb NOT NULL DEFAULT '{}'::jsonb,  -- document kind -> document id
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    application_id text UNIQUE REFERENCES permit_applications (application_id),
    submitted_at   timestamptz
);
CREATE INDEX permit_drafts_by_employer ON permit_drafts (employer_nib, updated_at DESC)
    WHERE application_id IS NULL;
