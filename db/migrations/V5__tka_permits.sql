-- Process B, TKA permits: the read model of applications (written by the workflow's
-- projection activity and the API's reservation row), their decision log, and every SIMPONI
-- payment confirmation received. V4 is reserved for the inmate journey.
CREATE TABLE permit_applications (
    application_id     text PRIMARY KEY,
    workflow_id        text NOT NULL UNIQUE,
    employer_nib       text NOT NULL,
    position_title     text NOT NULL,
    position_kind      text NOT NULL,
    tka_name           text NOT NULL,                -- personal data: this table, never logs
    passport_no        text NOT NULL,                -- personal data: this table, never logs
    nationality        text NOT NULL,
    duration_months    integer NOT NULL CHECK (duration_months > 0),
    work_location      text NOT NULL,
    in_kek             boolean NOT NULL,
    pendamping_name    text,
    pendamping_position text,
    employer_category  text NOT NULL,
    stage              text NOT NULL,
    outcome            text CHECK (outcome IN ('ended', 'terminated', 'rejected',
                                               'visa_rejected', 'lapsed', 'expired')),
    closed_reason      text,
    revision_rounds    integer NOT NULL DEFAULT 0,
    exempt             boolean NOT NULL DEFAULT false,
    billing_code       text UNIQUE,
    amount_usd         integer,
    payment_due        timestamptz,
    payment_id         text,
    rptka_number       text,
    travel_ban         boolean,
    background_clear   boolean,
    visa_number        text,
    itas_number        text,
    valid_from         date,
    valid_until        date,
    epo_number         text,
    awaiting_kind      text,
    awaiting_role      text,
    awaiting_due       timestamptz,
    submitted_by       text NOT NULL,
    submitted_at       timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    last_event_seq     integer NOT NULL DEFAULT 0
);
CREATE INDEX permit_applications_by_employer ON permit_applications (employer_nib, submitted_at);
CREATE INDEX permit_applications_by_stage ON permit_applications (stage);

-- Every change and decision, with who, in which role, when and why.
CREATE TABLE permit_events (
    event_id        text PRIMARY KEY,
    application_id  text NOT NULL REFERENCES permit_applications (application_id),
    seq             integer NOT NULL,
    kind            text NOT NULL,
    at              timestamptz NOT NULL,
    stage           text NOT NULL,
    actor_subject   text,
    actor_role      text,
    decision        text,
    reason          text,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (application_id, seq)
);

-- Every payment confirmation SIMPONI sent us, by its payment id: what we did with the first
-- delivery (accepted, or refused because the bill had expired or was unknown), and how often
-- it was delivered (later deliveries are duplicates and change nothing).
CREATE TABLE payment_confirmations (
    payment_id        text PRIMARY KEY,
    billing_code      text NOT NULL,
    application_id    text REFERENCES permit_applications (application_id),
    amount_usd        integer NOT NULL,
    paid_at           timestamptz NOT NULL,
    result            text NOT NULL CHECK (result IN ('accepted', 'refused_expired',
                                                      'refused_unknown', 'refused_invalid')),
    detail            text,
    deliveries        integer NOT NULL DEFAULT 1 CHECK (deliveries > 0),
    first_received_at timestamptz NOT NULL DEFAULT now(),
    last_received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_confirmations_by_application ON payment_confirmations (application_id);
