-- 好差评 (国办发〔2019〕51号): rating slots, ratings, and the follow-up of every 差评.

-- What can be rated: a ticket served at a window (stage 'window', opened with its rating) or one stage of a
-- case ('acceptance', 'conclusion'), opened in the same transaction as the change that makes it ratable.
-- A slot takes one rating (`rating_id`); a case's slot still empty at `default_at` is given 基本满意.
CREATE TABLE rating_slots (
    id           BIGSERIAL PRIMARY KEY,
    case_number  TEXT REFERENCES cases (number),
    ticket_id    BIGINT REFERENCES tickets (id),
    stage        TEXT NOT NULL CHECK (stage IN ('window', 'acceptance', 'conclusion')),
    service      TEXT NOT NULL CHECK (service IN ('on_site', 'online')),
    department   TEXT NOT NULL,
    matter_code  TEXT NOT NULL,
    window_code  TEXT,
    -- The username of who served (谁办理), when a person did.
    staff        TEXT,
    -- Whose case it is: the rater, told the result of a 差评's follow-up.
    applicant_id BIGINT,
    opened_at    BIGINT NOT NULL,
    default_at   BIGINT,
    rating_id    BIGINT
);
CREATE UNIQUE INDEX rating_slots_case_stage ON rating_slots (case_number, stage) WHERE ticket_id IS NULL;
CREATE UNIQUE INDEX rating_slots_ticket ON rating_slots (ticket_id) WHERE ticket_id IS NOT NULL;
CREATE INDEX rating_slots_to_default ON rating_slots (default_at) WHERE rating_id IS NULL AND default_at IS NOT NULL;

-- One rating per slot, never changed; `excluded` is set only by a manager's 申诉复核 of its follow-up.
-- The slot's department, matter, window and staff are copied so that the monthly figures read one table.
CREATE TABLE ratings (
    id                BIGSERIAL PRIMARY KEY,
    slot_id           BIGINT NOT NULL UNIQUE REFERENCES rating_slots (id),
    level             BIGINT NOT NULL CHECK (level BETWEEN 1 AND 5),
    channel           TEXT NOT NULL CHECK (channel IN ('window', 'portal', 'link', 'api', 'default')),
    -- The indicator codes a 差评 named, comma-separated, of version `indicator_version`.
    indicators        TEXT NOT NULL,
    indicator_version BIGINT NOT NULL,
    comment           TEXT NOT NULL,
    rated_at          BIGINT NOT NULL,
    -- The centre's local month of `rated_at`, YYYY-MM.
    month             TEXT NOT NULL,
    department        TEXT NOT NULL,
    matter_code       TEXT NOT NULL,
    window_code       TEXT,
    staff             TEXT,
    excluded          BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX ratings_by_month ON ratings (month, department, matter_code);
CREATE INDEX ratings_by_staff ON ratings (staff, month);

-- The follow-up of a 差评 ("谁办理、谁负责"): its state and every field an outcome sets. `warn_at` and
-- `due_at` are the current deadline's yellow and red instants (NULL once resolved), so that the
-- supervision page reads an index.
CREATE TABLE rating_followups (
    rating_id      BIGINT PRIMARY KEY REFERENCES ratings (id),
    department     TEXT NOT NULL,
    assignee       TEXT,
    state          TEXT NOT NULL CHECK (state IN ('open', 'called_back', 'rectifying', 'appealed', 'resolved', 'closed')),
    opened_at      BIGINT NOT NULL,
    callback_due   BIGINT NOT NULL,
    rectify_due    BIGINT NOT NULL,
    called_back_at BIGINT,
    callback_note  TEXT NOT NULL DEFAULT '',
    outcome        TEXT CHECK (outcome IN ('immediate', 'ledger', 'explained', 'appeal')),
    outcome_note   TEXT NOT NULL DEFAULT '',
    ledger_due     BIGINT,
    resolved_at    BIGINT,
    excluded       BIGINT NOT NULL DEFAULT 0,
    review_note    TEXT NOT NULL DEFAULT '',
    reviewed_by    TEXT,
    fix_level      BIGINT CHECK (fix_level BETWEEN 1 AND 5),
    fix_at         BIGINT,
    warn_at        BIGINT,
    due_at         BIGINT,
    revision       BIGINT NOT NULL
);
CREATE INDEX rating_followups_at_risk ON rating_followups (warn_at) WHERE warn_at IS NOT NULL;
CREATE INDEX rating_followups_by_department ON rating_followups (department, state);

-- Every step of a follow-up, never updated or deleted.
CREATE TABLE rating_followup_events (
    id        BIGSERIAL PRIMARY KEY,
    rating_id BIGINT NOT NULL REFERENCES ratings (id),
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    detail    TEXT NOT NULL
);
CREATE INDEX rating_followup_events_by_rating ON rating_followup_events (rating_id, id);
