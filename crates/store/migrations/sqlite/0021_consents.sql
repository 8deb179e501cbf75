-- An applicant's consent to one data source for one application (ADR 0022): who, which source, for which
-- material of which matter and draft, when; revoked by the applicant on the portal.
CREATE TABLE consents (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    applicant_id BIGINT NOT NULL REFERENCES applicants (id),
    source       TEXT NOT NULL,
    material     TEXT NOT NULL,
    matter_code  TEXT NOT NULL,
    draft_id     TEXT NOT NULL,
    given_at     BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX consents_by_applicant ON consents (applicant_id, id);
