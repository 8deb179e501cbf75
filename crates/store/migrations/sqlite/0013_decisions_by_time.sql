-- The statistics read a month's cases by when they were received and its decisions (events `decide`) by
-- instant, without scanning every case or event.
CREATE INDEX cases_by_received ON cases (received_at);
CREATE INDEX case_events_by_action ON case_events (action, at);
