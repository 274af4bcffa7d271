-- The children ESIA lists for a person tied to an account (scope kid_fullname, kid_birthdate),
-- replaced at each of his sign-ins and links and removed with the tie: a parent claims a child
-- from this list in a school (the directory matches the school's pupil by name and birth date).
-- Names and birth dates are a child's personal data: sealed with the master key for the account
-- and child alone, never logged.
CREATE TABLE esia_children (
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  child_oid text NOT NULL,
  position int NOT NULL,
  sealed bytea NOT NULL,
  PRIMARY KEY (account_id, child_oid)
);
