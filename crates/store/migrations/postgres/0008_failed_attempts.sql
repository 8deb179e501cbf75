-- Failed attempts for the throttles (log-ins of staff and applicants, progress look-ups), replacing
-- login_failures: each row says what was tried (`kind`, a digest of the account or case number in
-- `subject`) and from where (a digest of the client's address), so that attempts are slowed per account and
-- address, per account, per address and per kind. Rows older than a day are removed as new ones arrive.
DROP TABLE login_failures;
CREATE TABLE failed_attempts (
    id      BIGSERIAL PRIMARY KEY,
    kind    TEXT NOT NULL,
    subject TEXT NOT NULL,
    address TEXT NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX failed_attempts_by_subject ON failed_attempts (kind, subject, at);
CREATE INDEX failed_attempts_by_address ON failed_attempts (kind, address, at);
CREATE INDEX failed_attempts_by_time ON failed_attempts (kind, at);
