-- 电子证照 (ADR 0020): the register of e-licences the centre issued, their history and their serials.

-- One row per licence version. `id` is the 证照标识 (GB/T 36904); a changed licence is a new row with the
-- next version of the same serial, `replaces` naming the old one. The document itself is in the file store
-- (`document_file`); `document_hash` (SM3) and `signature` (SM2 over the payload of ADR 0020 by
-- `seal_key`) bind it to the data. `status` never holds 失效: expiry is read from `valid_until`.
CREATE TABLE licences (
    id                 TEXT PRIMARY KEY,
    serial             TEXT NOT NULL,
    version            BIGINT NOT NULL,
    type_code          TEXT NOT NULL,
    name               TEXT NOT NULL,
    holder_kind        TEXT NOT NULL CHECK (holder_kind IN ('natural_person', 'legal_person')),
    holder_number      TEXT NOT NULL,
    holder_name        TEXT NOT NULL,
    issuer             TEXT NOT NULL,
    issuer_name        TEXT NOT NULL,
    issuer_credit_code TEXT NOT NULL,
    issued_on          TEXT NOT NULL,
    valid_until        TEXT,
    status             TEXT NOT NULL CHECK (status IN ('valid', 'suspended', 'revoked', 'cancelled', 'superseded')),
    case_number        TEXT NOT NULL REFERENCES cases (number),
    fields             TEXT NOT NULL,
    document_file      TEXT NOT NULL,
    document_hash      TEXT NOT NULL,
    seal_key           TEXT NOT NULL,
    signature          TEXT NOT NULL,
    replaces           TEXT REFERENCES licences (id),
    revision           BIGINT NOT NULL DEFAULT 1,
    created_at         BIGINT NOT NULL,
    UNIQUE (serial, version)
);
-- A granted case issues each type once (a retried decision cannot issue twice).
CREATE UNIQUE INDEX licences_once_per_case ON licences (case_number, type_code) WHERE replaces IS NULL;
CREATE INDEX licences_by_holder ON licences (holder_kind, holder_number, type_code);
CREATE INDEX licences_by_issue ON licences (created_at);

-- Every change of a licence's status, issuing included, with who, when and why; never updated or deleted.
CREATE TABLE licence_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    licence_id  TEXT NOT NULL REFERENCES licences (id),
    at          BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT NOT NULL,
    reason      TEXT NOT NULL
);
CREATE INDEX licence_events_by_licence ON licence_events (licence_id, id);

-- The next serial (流水号) of each year: YYYY followed by seven digits.
CREATE TABLE licence_sequences (
    year BIGINT PRIMARY KEY,
    next BIGINT NOT NULL
);
