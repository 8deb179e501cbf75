-- Cases, second slice: the applicants' portal (sessions, online applications saved as drafts, uploaded
-- files), the notification outbox, and the instants at which a case or a task turns yellow on the
-- supervision page.

-- An applicant's portal session. Kept apart from staff sessions: different people, different rights, and a
-- staff token can never be mistaken for an applicant's. Only a SHA-256 of the token is stored.
CREATE TABLE portal_sessions (
    token_hash   TEXT PRIMARY KEY,
    applicant_id BIGINT NOT NULL REFERENCES applicants (id),
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX portal_sessions_by_applicant ON portal_sessions (applicant_id);

-- What is known of a stored file; the bytes live in the file-storage layer under `id`.
-- `kind` is the type found in the content (pdf, jpeg, png), never the name's extension.
CREATE TABLE stored_files (
    id         TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    size       BIGINT NOT NULL,
    sha256     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- An online application being filled in, so that the applicant can stop and come back; `case_number` is set
-- in the same transaction that creates the case, and a submitted draft can no longer change.
CREATE TABLE drafts (
    id           TEXT PRIMARY KEY,
    applicant_id BIGINT NOT NULL REFERENCES applicants (id),
    matter_code  TEXT NOT NULL,
    document     TEXT NOT NULL,
    case_number  TEXT REFERENCES cases (number),
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX drafts_by_applicant ON drafts (applicant_id, updated_at);

-- Every message to an applicant, written in the same transaction as the change it announces. A sender
-- (SMS gateway, mail server) marks it sent; without one, staff read the outbox, so nothing is dropped.
CREATE TABLE notifications (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    case_number  TEXT NOT NULL REFERENCES cases (number),
    channel      TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    recipient    TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    sent_at      BIGINT
);
CREATE INDEX notifications_by_case ON notifications (case_number, id);

-- When less than the configured share of the time is left (yellow card); red is `due_at` itself.
-- The supervision page counts at-risk cases by department and matter from this index alone: it holds every
-- column the count needs, in the order of the grouping, so the count is one pass over the index without a
-- sort. The most overdue cases and steps are listed by walking (phase|state, due_at).
ALTER TABLE cases ADD COLUMN warn_at BIGINT;
CREATE INDEX cases_at_risk ON cases (phase, department, matter_code, warn_at, due_at);
ALTER TABLE case_tasks ADD COLUMN warn_at BIGINT;
CREATE INDEX case_tasks_at_risk ON case_tasks (state, due_at, warn_at);
