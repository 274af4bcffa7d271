-- The audit log becomes readable by a school's admins: where each request came from, and the
-- guarantee that entries are never changed (the upkeep deletes those past the retention).
ALTER TABLE audit_log ADD COLUMN client_address text NOT NULL DEFAULT '';
CREATE INDEX audit_log_by_school_time ON audit_log (school_id, at);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log entries cannot be changed';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
