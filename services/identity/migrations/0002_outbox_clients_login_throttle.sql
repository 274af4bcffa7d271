-- The outbox of identity's domain events (libs/pg/outbox.h), API clients of the
-- client-credentials grant, and per-login failure tracking for the growing login delay.

CREATE TABLE outbox_streams (stream text PRIMARY KEY, last_sequence bigint NOT NULL);
CREATE TABLE outbox (
  stream        text NOT NULL,
  sequence      bigint NOT NULL,
  event_type    text NOT NULL,
  payload       bytea NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  published_at  timestamptz,
  PRIMARY KEY (stream, sequence)
);
CREATE INDEX outbox_unpublished ON outbox (stream, sequence) WHERE published_at IS NULL;

-- Secrets are 256-bit random strings, so a SHA-256 of them is enough (no slow hash needed).
CREATE TABLE api_clients (
  id            uuid PRIMARY KEY,
  display_name  text NOT NULL,
  secret_hash   text NOT NULL,
  scopes        text[] NOT NULL,
  created_by    uuid NOT NULL REFERENCES accounts (id),
  created_at    timestamptz NOT NULL,
  disabled_at   timestamptz
);

-- Keyed by the normalised login, known account or not, so that throttling reveals nothing.
CREATE TABLE login_failures (
  login            text PRIMARY KEY,
  failures         integer NOT NULL,
  last_failure_at  timestamptz NOT NULL,
  blocked_until    timestamptz NOT NULL
);
