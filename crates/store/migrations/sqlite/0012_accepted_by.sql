-- Who accepted each case (a staff username), set with the acceptance in the same transaction, so that the
-- quarterly evaluation counts each person's cases through an index. Cases accepted before this migration,
-- or by law, have none.
ALTER TABLE cases ADD COLUMN accepted_by TEXT;
CREATE INDEX cases_by_acceptor ON cases (accepted_at, accepted_by);
