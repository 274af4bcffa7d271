-- Getting back into an account: a one-time code per account, sent to its e-mail or phone.
-- Stored as the SHA-256 of "<account id>:<code>"; five wrong tries spend it.
CREATE TABLE reset_codes (
  account_id  uuid PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
  code_hash   text NOT NULL,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  attempts    integer NOT NULL DEFAULT 0
);

-- Reset requests per normalised login, known account or not, so that throttling reveals
-- nothing: the requests of the current hour and the last one's time.
CREATE TABLE reset_requests (
  login            text PRIMARY KEY,
  window_start     timestamptz NOT NULL,
  requests         integer NOT NULL,
  last_request_at  timestamptz NOT NULL
);

-- Messages to people (e-mail, SMS) written in the transaction that decided them and sent in the
-- background, at least once, until sent or expired. The body is sealed with the master key (it
-- may hold a code); the row is deleted once sent.
CREATE TABLE outgoing_messages (
  id               uuid PRIMARY KEY,
  channel          text NOT NULL CHECK (channel IN ('email', 'sms')),
  recipient        text NOT NULL,
  subject          text NOT NULL,
  body_sealed      bytea NOT NULL,
  created_at       timestamptz NOT NULL,
  expires_at       timestamptz NOT NULL,
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL,
  last_error       text NOT NULL DEFAULT ''
);
CREATE INDEX outgoing_messages_due ON outgoing_messages (next_attempt_at);

-- What was done to accounts and by whom: operators' locks, unlocks and lookups, people's
-- password resets. Append-only: the API has no way to change or delete an entry, and the
-- database refuses updates; entries older than the retention are purged. Read the newest first
-- by `seq`, the order they were written in.
CREATE TABLE account_audit (
  id              uuid PRIMARY KEY,
  seq             bigserial NOT NULL UNIQUE,
  action          text NOT NULL
                  CHECK (action IN ('locked', 'unlocked', 'looked_up', 'password_reset')),
  account_id      uuid NOT NULL,
  actor_id        uuid NOT NULL,
  reason          text NOT NULL,
  client_address  text NOT NULL,
  created_at      timestamptz NOT NULL
);
CREATE INDEX account_audit_by_account ON account_audit (account_id, seq);

CREATE FUNCTION account_audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'account_audit entries cannot be changed';
END $$;
CREATE TRIGGER account_audit_append_only BEFORE UPDATE ON account_audit
  FOR EACH ROW EXECUTE FUNCTION account_audit_is_append_only();

