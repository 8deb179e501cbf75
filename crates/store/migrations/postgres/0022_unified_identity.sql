-- Unified identity login (ADR 0023). A login begun at the provider and not yet come back: found by the digest
-- of the token in the browser's cookie, used once, gone after ten minutes. The state, nonce and PKCE
-- verifier never leave the server.
CREATE TABLE identity_logins (
    token_hash  TEXT PRIMARY KEY,
    payload     TEXT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX identity_logins_by_expiry ON identity_logins (expires_at);

-- Which portal account a provider's subject is: linked once, by the ID number the provider verified.
CREATE TABLE identity_links (
    id           BIGSERIAL PRIMARY KEY,
    issuer       TEXT NOT NULL,
    subject      TEXT NOT NULL,
    applicant_id BIGINT NOT NULL REFERENCES applicants (id),
    linked_at    BIGINT NOT NULL,
    last_login   BIGINT NOT NULL,
    UNIQUE (issuer, subject)
);
CREATE INDEX identity_links_by_applicant ON identity_links (applicant_id);
