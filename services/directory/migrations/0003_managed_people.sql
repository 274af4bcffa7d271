-- People a school imported, with the school-managed account made for each: a re-import finds
-- them by their key (role, names and birth date, case-insensitive) instead of making new ones.

CREATE TABLE managed_people (
  school_id uuid NOT NULL REFERENCES schools (id),
  person_key text NOT NULL,
  account_id uuid NOT NULL,
  role text NOT NULL,
  display_name text NOT NULL,
  username text NOT NULL,
  PRIMARY KEY (school_id, person_key)
);
CREATE INDEX managed_people_by_account ON managed_people (account_id);
