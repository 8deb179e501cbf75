-- Tamper-evident history: every case event carries the hash of the case's previous event and its own hash
-- over both (one chain per case), and every audit entry the same over the audit log (one chain). A row
-- changed or removed in the database breaks the chain at the first row after it; `onetrip audit verify`
-- names that row. Rows written before this migration have empty hashes and are not part of a chain.
ALTER TABLE case_events ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE case_events ADD COLUMN hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN hash TEXT NOT NULL DEFAULT '';
