-- Departmental systems on events (ADR 0021): the transactional outbox and its order, API keys, webhook
-- subscriptions with their dead letters, and the departments' own case numbers.

-- One row per change of a case (its steps included) or a licence, written in the change's transaction.
-- `position` is the feed's order, given after commit by the one sequencer (`outbox_sequence`), so that a
-- reader that has seen position N never later finds a smaller one. `data` holds no personal data.
CREATE TABLE outbox_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    position    BIGINT UNIQUE,
    at          BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    department  TEXT NOT NULL,
    matter_code TEXT NOT NULL,
    data        TEXT NOT NULL
);
CREATE INDEX outbox_events_unsequenced ON outbox_events (id) WHERE position IS NULL;

CREATE TABLE outbox_sequence (
    id   BIGINT PRIMARY KEY,
    last BIGINT NOT NULL
);
INSERT INTO outbox_sequence (id, last) VALUES (1, 0);

-- A department system's keys: only the SHA-256 of the secret part is kept. A replaced key keeps working
-- until `expires_at`, so that the system can switch without a gap.
CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    key_hash   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT
);
CREATE INDEX api_keys_by_user ON api_keys (user_id);

-- A webhook: where the events of a department go, delivered in order, each retried until it is
-- acknowledged or dead-lettered; `delivered` is the position acknowledged through.
CREATE TABLE webhook_subscriptions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    department TEXT,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    delivered  BIGINT NOT NULL,
    attempts   BIGINT NOT NULL DEFAULT 0,
    next_at    BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    deleted_at BIGINT
);

CREATE TABLE webhook_dead_letters (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id BIGINT NOT NULL REFERENCES webhook_subscriptions (id),
    position        BIGINT NOT NULL,
    attempts        BIGINT NOT NULL,
    last_error      TEXT NOT NULL,
    at              BIGINT NOT NULL
);
CREATE INDEX webhook_dead_letters_by_subscription ON webhook_dead_letters (subscription_id, position);

-- A department system's own number for a case (二次录入 no more: the mapping is searchable both ways).
CREATE TABLE external_references (
    case_number TEXT NOT NULL REFERENCES cases (number),
    system      TEXT NOT NULL,
    reference   TEXT NOT NULL,
    at          BIGINT NOT NULL,
    PRIMARY KEY (case_number, system)
);
CREATE UNIQUE INDEX external_references_by_reference ON external_references (system, reference);
