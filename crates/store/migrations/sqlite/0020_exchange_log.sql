-- Shared data sources (ADR 0022): every request to a source and its answer, X-Road style, without personal
-- data in clear: the holder appears only as a digest.
CREATE TABLE exchange_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             BIGINT NOT NULL,
    source         TEXT NOT NULL,
    holder_digest  TEXT NOT NULL,
    material       TEXT NOT NULL,
    purpose        TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    detail         TEXT NOT NULL,
    duration_ms    BIGINT NOT NULL
);
CREATE INDEX exchange_log_by_source ON exchange_log (source, at);
