-- The case list (`GET /enrolments?upt=...&stage=...`, db/enrolments.list_enrolments) pages
-- newest first. With only (upt_code, stage) Postgres fetched every case of the UPT at that
-- stage and sorted them for each page: a sort of the whole UPT at the scale benchmark's sizes
-- (29 ms at 100,000 cases, growing linearly; benchmarks/RESULTS.md). In the list's order, a
-- page is read straight off the index. (A UPT's whole list, without a stage, is served by
-- V7's enrolments_by_upt_requested_at.)
CREATE INDEX enrolments_list_by_upt_stage
    ON enrolments (upt_code, stage, requested_at DESC, enrolment_id);
