-- The case list (`GET /enrolments?upt=...&stage=...`, db/enrolments.list_enrolments) pages
-- newest first. With only (upt_code, stage) Postgres fetched every case of the UPT at that
-- stage and sorted them for each page: fine at a few hundred, a sort of the whole UPT at the
-- scale benchmark's sizes (benchmarks/RESULTS.md). In the list's order, a page is read
-- straight off the index.
CREATE INDEX enrolments_list_by_upt_stage
    ON enrolments (upt_code, stage, requested_at DESC, enrolment_id);
-- The same order for a UPT's whole list (no stage filter).
CREATE INDEX enrolments_list_by_upt
    ON enrolments (upt_code, requested_at DESC, enrolment_id);
