-- The service hall, first slice: the queue. The layout (halls, zones, windows) is a setting (`hall.layout`);
-- what changes by the second is here: tickets, who sits at which window, and each ticket's history.

-- A ticket of one day in one hall. `queued_at` orders the queue (it is reset when a missed visitor rejoins);
-- `target_window` is set when a ticket is transferred to one window, which alone may call it then.
CREATE TABLE tickets (
    id             BIGSERIAL PRIMARY KEY,
    hall           TEXT NOT NULL,
    day            TEXT NOT NULL,
    number         TEXT NOT NULL,
    zone           TEXT NOT NULL,
    matter_code    TEXT,
    priority       BIGINT NOT NULL,
    channel        TEXT NOT NULL,
    state          TEXT NOT NULL,
    issued_at      BIGINT NOT NULL,
    queued_at      BIGINT NOT NULL,
    target_window  TEXT,
    window_code    TEXT,
    called_by      TEXT,
    called_at      BIGINT,
    finished_at    BIGINT,
    calls          BIGINT NOT NULL DEFAULT 0,
    id_last_four   TEXT,
    case_number    TEXT,
    UNIQUE (hall, day, number)
);
CREATE INDEX tickets_queue ON tickets (day, state, priority, queued_at, id);
CREATE INDEX tickets_at_window ON tickets (window_code, state);

-- The last ticket number given per hall, day and zone letter.
CREATE TABLE ticket_sequences (
    hall   TEXT NOT NULL,
    day    TEXT NOT NULL,
    prefix TEXT NOT NULL,
    last   BIGINT NOT NULL,
    PRIMARY KEY (hall, day, prefix)
);

-- Everything that happened to a ticket, in order (issued, called, recalled, missed, rejoined, transferred,
-- finished), with the window and the staff member.
CREATE TABLE ticket_events (
    id          BIGSERIAL PRIMARY KEY,
    ticket_id   BIGINT NOT NULL REFERENCES tickets (id),
    action      TEXT NOT NULL,
    window_code TEXT,
    actor       TEXT,
    at          BIGINT NOT NULL,
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ticket_events_by_ticket ON ticket_events (ticket_id, id);

-- Who is at each window now: signed in and serving, or on a break. No row: nobody.
CREATE TABLE window_presence (
    window_code  TEXT PRIMARY KEY,
    username     TEXT NOT NULL,
    display_name TEXT NOT NULL,
    state        TEXT NOT NULL,
    since        BIGINT NOT NULL
);

-- Every sign-in, break, return and sign-out at a window, for the day's record of empty posts.
CREATE TABLE window_log (
    id          BIGSERIAL PRIMARY KEY,
    window_code TEXT NOT NULL,
    username    TEXT NOT NULL,
    action      TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX window_log_by_window ON window_log (window_code, at);
