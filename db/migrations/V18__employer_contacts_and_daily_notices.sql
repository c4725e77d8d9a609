-- Notifications that reach people, the rest (notify branch).

-- An employer's contact e-mail: where the reminders about its applications go besides the
-- people holding the employer role for its NIB (revision requested, payment due, annual
-- report due, extension window, permit expiring). Kept by the employer itself; each change
-- is on the audit trail (chain "employer:{nib}", without the address). The address is
-- personal data (it may be a person's): it lives here and in the messages, never in logs.
CREATE TABLE employer_contacts (
    employer_nib    text PRIMARY KEY,
    email           text NOT NULL,
    language        text NOT NULL DEFAULT 'id' CHECK (language IN ('id', 'en')),
    updated_by      text NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The daily digests and permit-expiry notices are now written by a Temporal Schedule's
-- workflow (workflows/daily_notices.py), keyed per person (or permit) and day in the
-- outbox itself; the delivery workers' own claim on the day is no longer needed.
DROP TABLE notice_passes;
