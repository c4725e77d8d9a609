-- The inbox pages by key (due date, opened, task id) instead of by offset: each way a task is
-- someone's (its required role on the scope column that role is bounded by, or routed to a
-- role on escalation) gets an index in the inbox's own order, so a page at any depth is an
-- index range read of `limit` rows (db/inbox.py, inbox_sql). A task without a due date sorts
-- last: the same COALESCE expression as the query. These replace V3's (role, scope, due_at)
-- indexes, which the inbox query was their only reader of.
DROP INDEX tasks_inbox_by_upt;
DROP INDEX tasks_inbox_by_lsp;
DROP INDEX tasks_inbox_by_bapas;
DROP INDEX tasks_inbox_by_ministry;
DROP INDEX tasks_inbox_by_employer;

CREATE INDEX tasks_inbox_by_upt
    ON tasks (required_role, scope_upt, (COALESCE(due_at, 'infinity'::timestamptz)), opened_at, task_id)
    WHERE state IN ('open', 'claimed', 'escalated');
CREATE INDEX tasks_inbox_by_lsp
    ON tasks (required_role, scope_lsp, (COALESCE(due_at, 'infinity'::timestamptz)), opened_at, task_id)
    WHERE state IN ('open', 'claimed', 'escalated');
CREATE INDEX tasks_inbox_by_bapas
    ON tasks (required_role, scope_bapas, (COALESCE(due_at, 'infinity'::timestamptz)), opened_at, task_id)
    WHERE state IN ('open', 'claimed', 'escalated');
CREATE INDEX tasks_inbox_by_ministry
    ON tasks (required_role, scope_ministry, (COALESCE(due_at, 'infinity'::timestamptz)), opened_at, task_id)
    WHERE state IN ('open', 'claimed', 'escalated');
CREATE INDEX tasks_inbox_by_employer
    ON tasks (required_role, scope_employer_nib, (COALESCE(due_at, 'infinity'::timestamptz)), opened_at, task_id)
    WHERE state IN ('open', 'claimed', 'escalated');
-- Escalated work, by the role it was routed to, in the same order; the scope (any field in
-- common) is checked on these few rows. Only escalation sets routed_to_role.
CREATE INDEX tasks_inbox_routed
    ON tasks (routed_to_role, (COALESCE(due_at, 'infinity'::timestamptz)), opened_at, task_id)
    WHERE routed_to_role IS NOT NULL AND state IN ('open', 'claimed', 'escalated');
