-- The service hall, first slice: the queue. The layout (halls, zones, windows) is a setting (`hall.layout`);
-- what changes by the second is here: tickets, who sits at which window, and each ticket's history.

-- A ticket of one day in one hall. `queued_at` orders the queue (it is reset when a missed visitor rejoins);
-- `target_window` is set when a ticket is transferred to one window, which alone may call it then.
CREATE TABLE tickets (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
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
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
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
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    window_code TEXT NOT NULL,
    username    TEXT NOT NULL,
    action      TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX window_log_by_window ON window_log (window_code, at);

-- Appointments (预约): a half day at a zone (for one of its matters, if the applicant says which), booked on the portal; checking in at the kiosk turns one into a
-- priority ticket. `code` is what the applicant types at the kiosk.
CREATE TABLE appointments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    hall         TEXT NOT NULL,
    zone         TEXT NOT NULL,
    matter_code  TEXT,
    day          TEXT NOT NULL,
    half         TEXT NOT NULL,
    applicant_id BIGINT NOT NULL REFERENCES applicants (id),
    state        TEXT NOT NULL,
    code         TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    changed_at   BIGINT NOT NULL,
    ticket_id    BIGINT
);
CREATE INDEX appointments_by_applicant ON appointments (applicant_id, day);

-- How many appointments each zone's half day holds; kept with every booking, change and cancellation, and
-- only ever raised below the zone's capacity (the guarded update is what keeps two bookings from the last place).
CREATE TABLE appointment_slots (
    hall   TEXT NOT NULL,
    zone   TEXT NOT NULL,
    day    TEXT NOT NULL,
    half   TEXT NOT NULL,
    booked BIGINT NOT NULL,
    PRIMARY KEY (hall, zone, day, half)
);

-- Who is posted at which window, for a term (a year by default). A window with current assignments takes
-- only its assigned staff. Ending one before its term (a move or a withdrawal) records the hall manager who
-- approved it and why.
CREATE TABLE window_assignments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    window_code TEXT NOT NULL,
    username    TEXT NOT NULL,
    starts      TEXT NOT NULL,
    ends        TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    assigned_at BIGINT NOT NULL,
    ended_at    BIGINT,
    ended_by    TEXT,
    end_reason  TEXT
);
CREATE INDEX window_assignments_by_window ON window_assignments (window_code, ends);
CREATE INDEX window_assignments_by_user ON window_assignments (username, ends);
