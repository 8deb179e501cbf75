-- 帮办代办 (issue 13 part 5): the window's member of staff who helped the applicant fill an online
-- application in, kept with the case when it is registered, so that the month's figures count these
-- apart from the other online applications (they stay channel 'online'). Cases stored before this
-- migration were not assisted. Only the assisted rows are indexed.
ALTER TABLE cases ADD COLUMN assisted_by TEXT;
CREATE INDEX cases_assisted ON cases (received_at) WHERE assisted_by IS NOT NULL;
