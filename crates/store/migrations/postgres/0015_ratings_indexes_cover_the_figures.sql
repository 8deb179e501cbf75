-- The month's rating figures read levels, channel and exclusion per department and matter, and a quarter's
-- evaluation reads level and exclusion per person: with those columns in the indexes, both read an index
-- alone, however many ratings the table holds (issue 11).
DROP INDEX ratings_by_month;
CREATE INDEX ratings_by_month ON ratings (month, department, matter_code, level, channel, excluded);
DROP INDEX ratings_by_staff;
CREATE INDEX ratings_by_staff ON ratings (staff, month, level, excluded);
