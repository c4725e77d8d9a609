-- Look-ups an integrator needs: one inmate's (or one journey's) handovers, newest first,
-- and every handover newest first (GET /handovers' default order).
CREATE INDEX handovers_by_inmate ON handovers (inmate_sdp_no, sent_at DESC);
CREATE INDEX handovers_newest ON handovers (sent_at DESC, handover_id DESC);
