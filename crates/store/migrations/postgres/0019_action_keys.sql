-- Idempotency keys of the writes that change a case after it was registered (review steps, acceptance, the
-- clock, delivery: ADR 0021): written in the change's own transaction, so that a retried request with the
-- same key is answered with the case as it is, and never acts twice.
CREATE TABLE action_keys (
    scope       TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    case_number TEXT NOT NULL REFERENCES cases (number),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
