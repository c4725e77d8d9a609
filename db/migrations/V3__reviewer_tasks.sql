-- The reviewer inbox: one row per time a workflow waits on a person, its who-did-what log,
-- and an outbox of notifications (escalations) for a delivery worker to send later.
--
-- The workflow owns a task's life: it opens the row when it starts waiting and closes it when
-- it stops (decided, cancelled, case ended), through idempotent activities keyed by task_id.
-- People only move the assignee (claim, unclaim, reassign); deciding goes through the
-- workflow, which then closes the task.
CREATE TABLE tasks (
    task_id             text PRIMARY KEY,            -- deterministic: "{case_id}:{seq}"
    case_kind           text NOT NULL,               -- "enrolment", later "tka_permit", ...
    case_id             text NOT NULL,
    workflow_id         text NOT NULL,
    kind                text NOT NULL,               -- what is awaited: "placement_review", ...
    stage               text NOT NULL,
    required_role       text NOT NULL,
    -- The scope of the work. Which column decides who sees it follows from required_role
    -- (a caseworker task by scope_upt, an assessor task by scope_lsp, ...); the others
    -- describe the case and serve as filters and for routing escalations.
    scope_upt           text,
    scope_lsp           text,
    scope_bapas         text,
    scope_ministry      text,
    scope_employer_nib  text,
    state               text NOT NULL DEFAULT 'open'
                        CHECK (state IN ('open', 'claimed', 'escalated', 'decided', 'cancelled')),
    assignee            text,
    claimed_at          timestamptz,
    opened_at           timestamptz NOT NULL,
    due_at              timestamptz,
    escalated_at        timestamptz,
    routed_to_role      text,
    closed_at           timestamptz,
    decision            text,
    decided_by          text,
    decided_role        text,
    reason              text,
    -- The state machine, held by the database so no code path can write an impossible row:
    -- 'open' is unassigned and not escalated; 'claimed' has an assignee; 'escalated' keeps
    -- its flag (and its assignee, if any) until it closes; closed rows carry closed_at, and a
    -- decision always says who made it, in which role.
    CONSTRAINT tasks_assignee_has_claim_time CHECK ((assignee IS NULL) = (claimed_at IS NULL)),
    CONSTRAINT tasks_open_is_unassigned CHECK (state <> 'open' OR assignee IS NULL),
    CONSTRAINT tasks_claimed_has_assignee CHECK (state <> 'claimed' OR assignee IS NOT NULL),
    CONSTRAINT tasks_escalation_is_flagged CHECK (
        (state IN ('open', 'claimed') AND escalated_at IS NULL)
        OR (state = 'escalated' AND escalated_at IS NOT NULL AND routed_to_role IS NOT NULL)
        OR state IN ('decided', 'cancelled')),
    CONSTRAINT tasks_closed_has_time CHECK (
        (state IN ('decided', 'cancelled')) = (closed_at IS NOT NULL)),
    CONSTRAINT tasks_decision_has_actor CHECK (
        state <> 'decided' OR (decided_by IS NOT NULL AND decided_role IS NOT NULL))
);

-- The inbox query: open work for (role, scope value), soonest due first. Partial indexes
-- stay small because closed tasks, the vast majority over time, are left out.
CREATE INDEX tasks_inbox_by_upt ON tasks (required_role, scope_upt, due_at)
    WHERE state IN ('open', 'claimed', 'escalated');
CREATE INDEX tasks_inbox_by_lsp ON tasks (required_role, scope_lsp, due_at)
    WHERE state IN ('open', 'claimed', 'escalated');
CREATE INDEX tasks_inbox_by_bapas ON tasks (required_role, scope_bapas, due_at)
    WHERE state IN ('open', 'claimed', 'escalated');
CREATE INDEX tasks_inbox_by_ministry ON tasks (required_role, scope_ministry, due_at)
    WHERE state IN ('open', 'claimed', 'escalated');
CREATE INDEX tasks_inbox_by_employer ON tasks (required_role, scope_employer_nib, due_at)
    WHERE state IN ('open', 'claimed', 'escalated');
-- A supervisor's inbox: what was escalated to their role.
CREATE INDEX tasks_escalated_by_route ON tasks (routed_to_role, due_at)
    WHERE state = 'escalated';
-- "My tasks" and a case's tasks.
CREATE INDEX tasks_open_by_assignee ON tasks (assignee)
    WHERE state IN ('open', 'claimed', 'escalated');
CREATE INDEX tasks_by_case ON tasks (case_id);

-- The who-did-what log of every task: opened, claimed, released, reassigned, escalated,
-- decided, cancelled; who (subject and role; NULL for the workflow itself) and when.
CREATE TABLE task_history (
    id               bigserial PRIMARY KEY,
    task_id          text NOT NULL REFERENCES tasks (task_id),
    at               timestamptz NOT NULL,
    action           text NOT NULL CHECK (action IN ('opened', 'claimed', 'unclaimed',
                                                     'reassigned', 'escalated', 'decided',
                                                     'cancelled')),
    actor_subject    text,
    actor_role       text,
    detail           text,
    -- Rows written by workflow activities carry a deterministic key ("{task_id}:opened"), so
    -- a retried activity logs once. People's actions are serialized by the task row's lock
    -- and leave it NULL (NULLs never collide).
    idempotency_key  text UNIQUE,
    recorded_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX task_history_by_task ON task_history (task_id, at, id);

-- Notifications to deliver, written in the same transaction as the change they announce
-- (the transactional outbox), so a notification exists if and only if the change committed.
-- message_id is deterministic ("escalation:{task_id}"): a retried write lands once, and a
-- delivery worker can pass it on as its own idempotency key.
CREATE TABLE outbox (
    message_id          text PRIMARY KEY,
    topic               text NOT NULL,               -- "task.escalated"
    recipient_role      text NOT NULL,
    scope_upt           text,
    scope_lsp           text,
    scope_bapas         text,
    scope_ministry      text,
    scope_employer_nib  text,
    payload             jsonb NOT NULL,              -- ids and kinds only: no personal data
    created_at          timestamptz NOT NULL DEFAULT now(),
    delivered_at        timestamptz
);
CREATE INDEX outbox_pending ON outbox (created_at, message_id) WHERE delivered_at IS NULL;
