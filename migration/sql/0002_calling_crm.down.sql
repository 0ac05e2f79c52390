DROP TABLE segments;
DROP TABLE lead_source_costs;
DROP TABLE dnc_list;
DROP TABLE lead_assignments;
DROP TABLE lead_score_history;
DROP TABLE lead_status_history;
DROP TABLE lead_sequence_enrollments;
DROP TABLE nurture_sequences;
DROP TABLE lead_audit_log;
DROP TABLE follow_ups;
DROP TABLE lead_analytics;
DROP TABLE transcripts;
DROP TABLE call_events;
-- @postgres
ALTER TABLE leads DROP CONSTRAINT leads_auto_created_from_call_id_fkey;
-- @end
DROP TABLE calls;
DROP TABLE leads;
DROP TABLE campaigns;
DROP TABLE phone_numbers;
DROP TABLE agents;
