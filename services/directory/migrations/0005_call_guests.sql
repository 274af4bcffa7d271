-- A school may let hosts of its calls invite people without an account by guest links; off
-- until its admins (or an operator) turn it on.
ALTER TABLE schools ADD COLUMN call_guests_allowed boolean NOT NULL DEFAULT false;
