-- Review tasks of accepted cases: one row per task, replaced with each change of the case's review in the
-- same transaction, so that a reviewer's inbox is an index range (department, open, soonest due first)
-- even with a million cases. The case's document stays the authority; these rows are its index.
CREATE TABLE case_tasks (
    case_number TEXT NOT NULL REFERENCES cases (number),
    task        BIGINT NOT NULL,
    department  TEXT NOT NULL,
    name        TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('waiting', 'open', 'done')),
    due_at      BIGINT,
    PRIMARY KEY (case_number, task)
);
CREATE INDEX case_tasks_inbox ON case_tasks (department, state, due_at);
