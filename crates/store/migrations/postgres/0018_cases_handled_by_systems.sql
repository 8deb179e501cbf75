-- Whether a department's own system registered a case or acted on one of its steps (ADR 0021), and the
-- counter of such cases beside the others (ADR 0019): the scorecards show how many of a department's
-- cases were handled through its system rather than typed at a window.
ALTER TABLE cases ADD COLUMN via_system BIGINT NOT NULL DEFAULT 0;
ALTER TABLE case_rollups ADD COLUMN via_system BIGINT NOT NULL DEFAULT 0;
