-- The figures of data sharing (issue 12 part 6): how many of a case's materials a shared data source
-- supplied and how many were uploaded as files, kept with the case on every write of its document; and,
-- in the exchange log, the online application (draft) a request was made for, so that the applications
-- where a source failed can be counted. Cases stored before this migration count 0 for both.
ALTER TABLE cases ADD COLUMN shared_materials BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN uploaded_materials BIGINT NOT NULL DEFAULT 0;
ALTER TABLE exchange_log ADD COLUMN application TEXT;
CREATE INDEX exchange_log_by_time ON exchange_log (at);
