-- Notifications that reach people: the directory of people (who holds which role where, how
-- to reach them, in which language), and the deliveries the delivery worker makes of each
-- outbox row (one per recipient and channel), with their retries and dead letters.

-- A person: registered or updated from verified claims at each login, or by an administrator
-- of the ministry that `ministry` names. Names and e-mail addresses are personal data: they
-- live here and in the messages, never in logs or the audit trail.
CREATE TABLE people (
    subject         text PRIMARY KEY,             -- the identity provider's `sub`
    display_name    text NOT NULL DEFAULT '',
    email           text,
    language        text NOT NULL DEFAULT 'id' CHECK (language IN ('id', 'en')),
    active          boolean NOT NULL DEFAULT true,
    -- The ministry whose administrators maintain this person (domain/people.py decides it
    -- from the roles and scope); NULL: only the identity provider maintains them.
    ministry        text,
    registered_by   text NOT NULL CHECK (registered_by IN ('login', 'request', 'administrator')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    last_login_at   timestamptz
);
CREATE INDEX people_by_ministry ON people (ministry, subject);

-- Each role a person holds, with the scope it is held in.
CREATE TABLE person_roles (
    subject             text NOT NULL REFERENCES people (subject) ON DELETE CASCADE,
    role                text NOT NULL,
    scope_upt           text,
    scope_lsp           text,
    scope_bapas         text,
    scope_ministry      text,
    scope_employer_nib  text,
    PRIMARY KEY (subject, role)
);
-- Addressing: the active holders of a role in a scope.
CREATE INDEX person_roles_by_upt ON person_roles (role, scope_upt);
CREATE INDEX person_roles_by_lsp ON person_roles (role, scope_lsp);
CREATE INDEX person_roles_by_bapas ON person_roles (role, scope_bapas);
CREATE INDEX person_roles_by_ministry ON person_roles (role, scope_ministry);
CREATE INDEX person_roles_by_employer ON person_roles (role, scope_employer_nib);

-- An outbox row may be for one person (a task assigned to them, their daily digest); a
-- digest is for the person whatever their role.
ALTER TABLE outbox ADD COLUMN recipient_subject text;
ALTER TABLE outbox ALTER COLUMN recipient_role DROP NOT NULL;
ALTER TABLE outbox ADD CONSTRAINT outbox_has_recipient
    CHECK (recipient_role IS NOT NULL OR recipient_subject IS NOT NULL);
-- delivered_at now means: turned into deliveries (below) by a delivery worker.

-- One message of one outbox row to one recipient over one channel. delivery_id is
-- deterministic (outbox message id, recipient, channel), and so is the e-mail's Message-ID
-- made from it: a re-expanded row or a re-sent e-mail carries the same identity.
CREATE TABLE deliveries (
    delivery_id         text PRIMARY KEY,
    message_id          text NOT NULL REFERENCES outbox (message_id),
    channel             text NOT NULL CHECK (channel IN ('email', 'in_app')),
    recipient_subject   text,                     -- NULL: a fallback or contact address
    address             text,                     -- the e-mail address: personal data
    fallback            boolean NOT NULL DEFAULT false,
    topic               text NOT NULL,
    notice_kind         text NOT NULL,
    language            text NOT NULL,
    title               text NOT NULL,
    body                text NOT NULL,
    link                text,
    state               text NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'sent', 'dead')),
    attempts            integer NOT NULL DEFAULT 0,
    next_attempt_at     timestamptz NOT NULL DEFAULT now(),
    lease_owner         text,
    lease_until         timestamptz,
    last_error          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    sent_at             timestamptz,
    read_at             timestamptz,              -- in-app: when its recipient read it
    CONSTRAINT deliveries_email_has_address CHECK (channel <> 'email' OR address IS NOT NULL),
    CONSTRAINT deliveries_in_app_has_person CHECK (
        channel <> 'in_app' OR recipient_subject IS NOT NULL),
    CONSTRAINT deliveries_sent_has_time CHECK ((state = 'sent') = (sent_at IS NOT NULL))
);
-- The send queue: e-mails due, oldest first.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX deliveries_dead ON deliveries (created_at) WHERE state = 'dead';
-- A person's in-app notifications, newest first.
CREATE INDEX deliveries_in_app ON deliveries (recipient_subject, created_at DESC)
    WHERE channel = 'in_app';

-- The delivery workers' daily pass (digests, permits expiring): the first worker to insert
-- the day's row runs it, in the transaction that inserts it.
CREATE TABLE notice_passes (
    name    text NOT NULL,
    day     date NOT NULL,
    done_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, day)
);
