-- Foundation: departments, the versioned matter catalog, the holiday calendar, settings, staff accounts and
-- sessions, and the audit log. Timestamps are Unix milliseconds (BIGINT) and dates ISO text, in both backends,
-- so that the SQL the store runs is the same on SQLite and PostgreSQL (ADR 0002).

-- 实施主体 / 进驻单位.
CREATE TABLE departments (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    credit_code TEXT NOT NULL UNIQUE,
    updated_at  BIGINT NOT NULL
);

-- One row per matter; latest_version guards against two editors saving at once (optimistic locking).
CREATE TABLE matters (
    code           TEXT PRIMARY KEY,
    latest_version BIGINT NOT NULL,
    created_at     BIGINT NOT NULL
);

-- Every version of every matter, never updated or deleted. `document` is the whole matter as JSON;
-- name and department are copied out for listing without parsing.
CREATE TABLE matter_versions (
    code            TEXT NOT NULL REFERENCES matters (code),
    version         BIGINT NOT NULL,
    adjustment_kind TEXT NOT NULL,
    reason          TEXT NOT NULL,
    effective_date  TEXT NOT NULL,
    merged_into     TEXT NOT NULL,
    author          TEXT NOT NULL,
    name            TEXT NOT NULL,
    department      TEXT NOT NULL,
    document        TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (code, version)
);
CREATE INDEX matter_versions_effective ON matter_versions (code, effective_date);

-- Holidays and make-up working days, by the notice year they come from.
CREATE TABLE calendar_days (
    day         TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('holiday', 'makeup_workday')),
    name        TEXT NOT NULL,
    notice_year BIGINT NOT NULL
);
CREATE INDEX calendar_days_notice_year ON calendar_days (notice_year);

-- Small documents edited as a whole, such as the synonym list.
CREATE TABLE settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    roles         TEXT NOT NULL,
    department    TEXT,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL
);

-- Only a hash of the session token is stored, so a copy of the database does not let anyone log in.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE login_failures (
    username  TEXT NOT NULL,
    failed_at BIGINT NOT NULL
);
CREATE INDEX login_failures_by_user ON login_failures (username, failed_at);

-- Who changed what outside the catalog's own versions (calendar loads, synonyms, users).
CREATE TABLE audit_events (
    id         BIGSERIAL PRIMARY KEY,
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    detail     TEXT NOT NULL
);
