-- Cases (办件), first slice: applicants, cases with their acceptance phase, the event of every change,
-- the trips ledger, daily case-number sequences, and idempotency keys so that a retried submission never
-- makes a second case. Review tasks get their own table when the review phase is stored.

-- 申请人: a natural person (resident identity number) or a legal person (unified social credit code).
-- The full number is kept for the applicant and the window; pages show it masked.
CREATE TABLE applicants (
    id                BIGSERIAL PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('natural_person', 'legal_person')),
    name              TEXT NOT NULL,
    id_number         TEXT NOT NULL,
    phone             TEXT NOT NULL,
    -- NULL for applicants registered at the window who never set a portal password.
    password_hash     TEXT,
    -- 'local' now; a unified-identity provider later, without changing how cases refer to applicants.
    identity_provider TEXT NOT NULL DEFAULT 'local',
    created_at        BIGINT NOT NULL,
    UNIQUE (kind, id_number)
);

-- One application for one matter (the version in force when it was submitted).
-- `document` holds the phase data as JSON (materials supplied, the acceptance state); the columns beside
-- it are what lists and supervision filter and sort on. `revision` is the optimistic lock of every change.
CREATE TABLE cases (
    number         TEXT PRIMARY KEY,
    matter_code    TEXT NOT NULL,
    matter_version BIGINT NOT NULL,
    department     TEXT NOT NULL,
    applicant_id   BIGINT NOT NULL REFERENCES applicants (id),
    channel        TEXT NOT NULL CHECK (channel IN ('online', 'window', 'api')),
    phase          TEXT NOT NULL,
    document       TEXT NOT NULL,
    revision       BIGINT NOT NULL,
    corrections    BIGINT NOT NULL DEFAULT 0,
    received_at    BIGINT NOT NULL,
    accepted_at    BIGINT,
    due_at         BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX cases_by_applicant ON cases (applicant_id, created_at);
CREATE INDEX cases_by_department ON cases (department, phase, due_at);
CREATE INDEX cases_by_phase ON cases (phase, due_at);

-- Every change of a case, written in the same transaction as the change; never updated or deleted.
CREATE TABLE case_events (
    id          BIGSERIAL PRIMARY KEY,
    case_number TEXT NOT NULL REFERENCES cases (number),
    at          BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    role        TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_phase  TEXT NOT NULL,
    to_phase    TEXT NOT NULL,
    detail      TEXT NOT NULL
);
CREATE INDEX case_events_by_case ON case_events (case_number, id);

-- Each time the applicant had to come to the hall for a case, and why: the reform's own measure.
CREATE TABLE case_trips (
    id          BIGSERIAL PRIMARY KEY,
    case_number TEXT NOT NULL REFERENCES cases (number),
    at          BIGINT NOT NULL,
    reason      TEXT NOT NULL
);
CREATE INDEX case_trips_by_case ON case_trips (case_number);

-- The last sequence number given out on each day, for case numbers.
CREATE TABLE case_sequences (
    day  TEXT PRIMARY KEY,
    last BIGINT NOT NULL
);

-- A client's idempotency key and the case it created.
CREATE TABLE idempotency_keys (
    scope       TEXT NOT NULL,
    key         TEXT NOT NULL,
    case_number TEXT NOT NULL REFERENCES cases (number),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
