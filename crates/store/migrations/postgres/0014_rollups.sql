-- Figures that stay fast with ten million cases (issue 11): each case adds its share to a row of counters
-- per hour it was received in, department and matter, and (once accepted) to a row per hour of acceptance
-- and person who accepted it. The share is changed in the same transaction as the case (sql/rollups.rs),
-- so the statistics, scorecards and evaluation add up a few thousand rows instead of a month of cases.
-- The store fills both tables from the cases when it finds them empty beside cases (right after this
-- migration), with the same definition it keeps them by.

-- When the case was first decided: the first time its phase became granted or refused (准予, 不予许可), whether
-- by a decision step, the last approval, or acceptance of an on-the-spot matter. Kept on the row for the figures.
ALTER TABLE cases ADD COLUMN decided_at BIGINT;
UPDATE cases SET decided_at = d.at FROM (SELECT case_number, MIN(at) AS at FROM case_events WHERE to_phase IN ('granted', 'refused') GROUP BY case_number) d WHERE d.case_number = cases.number;
-- The key matters' decisions of a month, by matter and instant, with the acceptance they are counted from.
CREATE INDEX cases_by_decision ON cases (matter_code, decided_at, accepted_at);
-- Migration 0013's index of events by action served only the figures, which read decided_at now.
DROP INDEX case_events_by_action;

CREATE TABLE case_rollups (
    -- Hours since the epoch (UTC) of received_at: every whole-hour time zone's days are whole hours.
    hour               BIGINT NOT NULL,
    department         TEXT NOT NULL,
    matter_code        TEXT NOT NULL,
    received           BIGINT NOT NULL,
    online             BIGINT NOT NULL,
    accepted           BIGINT NOT NULL,
    decided            BIGINT NOT NULL,
    on_time            BIGINT NOT NULL,
    one_trip           BIGINT NOT NULL,
    second_corrections BIGINT NOT NULL,
    trips              BIGINT NOT NULL,
    -- Decided without a review task sent to the back office (concluded at the window).
    at_window          BIGINT NOT NULL,
    PRIMARY KEY (hour, department, matter_code)
);

CREATE TABLE staff_rollups (
    -- Hours since the epoch (UTC) of accepted_at.
    hour               BIGINT NOT NULL,
    username           TEXT NOT NULL,
    accepted           BIGINT NOT NULL,
    decided            BIGINT NOT NULL,
    on_time            BIGINT NOT NULL,
    second_corrections BIGINT NOT NULL,
    PRIMARY KEY (hour, username)
);
