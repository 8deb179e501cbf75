-- What a request with an idempotency key asked for, as a digest of its content, so that the same key sent
-- with a different request is refused (422 idempotency_key_reused) instead of silently returning the first
-- case. Keys stored before this column existed have an empty fingerprint and match any request.
ALTER TABLE idempotency_keys ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
