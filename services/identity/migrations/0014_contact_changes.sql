-- A new e-mail or phone waits here until the code sent to it comes back (one per account; a
-- new request replaces it). The code is stored as SHA-256 of "<account id>:<code>".
CREATE TABLE contact_changes (
  account_id  uuid PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
  channel     text NOT NULL CHECK (channel IN ('email', 'sms')),
  new_value   text NOT NULL,
  code_hash   text NOT NULL,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  attempts    integer NOT NULL DEFAULT 0
);

ALTER TABLE account_audit DROP CONSTRAINT account_audit_action_check;
ALTER TABLE account_audit ADD CONSTRAINT account_audit_action_check
  CHECK (action IN ('locked', 'unlocked', 'looked_up', 'password_reset', 'contact_changed'));
