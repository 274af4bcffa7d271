-- Parents the state vouches for. A school may admit only adults the state or the school vouches
-- for (verified_adults_only); a government-verified parent claims a child the state's register
-- lists as his, matched to the school's imported pupil, and the link is confirmed by that
-- (confirmed_by_government) instead of by the class teacher. The pupil's record keeps the
-- register's id of the child the first claim matched (government_id): a later claim of another
-- register child matching the same pupil is refused.
ALTER TABLE schools ADD COLUMN verified_adults_only boolean NOT NULL DEFAULT false;
ALTER TABLE parent_links ADD COLUMN confirmed_by_government boolean NOT NULL DEFAULT false;
ALTER TABLE managed_people ADD COLUMN government_id text;
