-- Cases, third slice: supervision orders (督办) and a trip counter per case, so that matters whose cases
-- need more trips than published are found through an index.

-- An order from the supervision page to the department responsible for a case, with a deadline for its
-- answer. Written with an event of the case in one transaction; answered once.
CREATE TABLE supervision_orders (
    id          BIGSERIAL PRIMARY KEY,
    case_number TEXT NOT NULL REFERENCES cases (number),
    department  TEXT NOT NULL,
    instruction TEXT NOT NULL,
    issued_by   TEXT NOT NULL,
    issued_at   BIGINT NOT NULL,
    deadline    BIGINT NOT NULL,
    answer      TEXT,
    answered_by TEXT,
    answered_at BIGINT
);
CREATE INDEX supervision_orders_open ON supervision_orders (answered_at, deadline);
CREATE INDEX supervision_orders_by_case ON supervision_orders (case_number, id);

-- How many times the applicant came to the hall for the case (kept with each trip recorded).
ALTER TABLE cases ADD COLUMN trips BIGINT NOT NULL DEFAULT 0;
CREATE INDEX cases_by_matter_trips ON cases (matter_code, trips);
