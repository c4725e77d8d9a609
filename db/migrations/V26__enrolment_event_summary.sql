-- Each enrolment event keeps the case summary it carried (issue 18's local writes). A
-- workflow task that stored its local writes and never completed can be retried with more
-- input and number its events differently; the retry's events then replace the stored ones
-- (db/case_events.py, "superseded"), and the case's summary goes back to the one of the
-- latest event still standing: this column is where it is read from. NULL on the rows
-- written before it (their case then takes the next event's summary).
ALTER TABLE enrolment_events ADD COLUMN summary jsonb;
