-- The moderation log is read by the school's admins (ListModerationLog, the newest first): an
-- entry is never changed.
CREATE FUNCTION moderation_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'moderation_log entries cannot be changed';
END $$;
CREATE TRIGGER moderation_log_append_only BEFORE UPDATE ON moderation_log
  FOR EACH ROW EXECUTE FUNCTION moderation_log_is_append_only();
