DROP INDEX call_events_org_seq_idx;
ALTER TABLE call_events DROP COLUMN seq;
DROP TABLE event_sequences;
