DROP INDEX campaigns_active_idx;
DROP INDEX calls_campaign_status_idx;
DROP TABLE campaign_leads;
ALTER TABLE phone_numbers DROP COLUMN max_concurrent_calls;
ALTER TABLE campaigns DROP COLUMN retry_after_minutes;
ALTER TABLE campaigns DROP COLUMN max_attempts;
ALTER TABLE campaigns DROP COLUMN calls_per_minute;
ALTER TABLE campaigns DROP COLUMN max_concurrent_calls;
ALTER TABLE campaigns DROP COLUMN segment_id;
