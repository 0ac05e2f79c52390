-- The dialer (issue 15) looks for due calls across organizations every
-- few seconds, on every instance: each question is a range scan of a
-- partial index holding only the rows it can find, however many calls
-- have finished.

-- Which organizations have scheduled calls due, and each one's next due
-- call (claimed in due order, the id breaking ties).
CREATE INDEX calls_due_idx ON calls (scheduled_at) WHERE status = 'scheduled';
CREATE INDEX calls_org_due_idx ON calls (organization_id, scheduled_at, id) WHERE status = 'scheduled';

-- Attempts in doubt: queued without the provider's id.
CREATE INDEX calls_in_doubt_idx ON calls (updated_at) WHERE status = 'queued' AND provider_call_id IS NULL;
