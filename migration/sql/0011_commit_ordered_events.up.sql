-- Commit-ordered call events (issue 16). A client resuming a subscription
-- with `after` gets the events committed after that event; ids (UUIDv7,
-- taken before commit) cannot say which those are, since two writers may
-- commit in the opposite order of their ids. Each event gets `seq`, its
-- place in its organization's stream, taken from `event_sequences` as the
-- last statement before the writer commits: the counter row stays locked
-- until the commit, so a later commit of the same organization always gets
-- a greater `seq`, and no writer ever waits on it while holding it.
CREATE TABLE event_sequences (
    organization_id  UUID PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    last_seq         BIGINT NOT NULL
);

-- Null only inside the writing transaction, before its commit assigns it.
ALTER TABLE call_events ADD COLUMN seq BIGINT;

-- Events before this migration keep their order (by id): their cursors
-- keep working.
UPDATE call_events SET seq = ranked.n
FROM (SELECT id, row_number() OVER (PARTITION BY organization_id ORDER BY id) AS n
      FROM call_events) AS ranked
WHERE ranked.id = call_events.id;

-- Every organization there has its counter already. Bumping an existing
-- row checks no foreign key; creating one takes a key-share lock on the
-- organization, which waits for a writer that locked that row (rollups and
-- the ledger do) and, if that writer records call events too, deadlocks
-- with it. Such a writer ends a call, and creating the call made the row.
INSERT INTO event_sequences (organization_id, last_seq)
SELECT o.id, COALESCE((SELECT MAX(e.seq) FROM call_events e WHERE e.organization_id = o.id), 0)
FROM organizations o;

CREATE UNIQUE INDEX call_events_org_seq_idx ON call_events (organization_id, seq);

-- @postgres
ALTER TABLE event_sequences ENABLE ROW LEVEL SECURITY;
ALTER TABLE event_sequences FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON event_sequences TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY tenant_isolation ON event_sequences USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
-- @end
