-- Proof that someone holds a phone: a one-time code sent by SMS before an applicant's account is created or
-- claimed (a window may have registered the person with that phone). `id` is a digest of the token the
-- form carries, `code_hash` a digest of the code; the code itself is only in `sms_body`, the message the SMS
-- gateway sends, which is cleared once sent. A check is used once, expires, and allows a few tries.
CREATE TABLE phone_checks (
    id         TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL,
    phone      TEXT NOT NULL,
    payload    TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    attempts   BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    sms_body   TEXT,
    sent_at    BIGINT
);
CREATE INDEX phone_checks_unsent ON phone_checks (sent_at, created_at);
