-- Accounts, sessions, refresh tokens and token signing keys of the identity service.

CREATE TABLE accounts (
  id             uuid PRIMARY KEY,
  email          text,
  phone          text,
  display_name   text NOT NULL,
  state          text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'locked', 'deleted')),
  verification   text NOT NULL DEFAULT 'none'
                   CHECK (verification IN ('none', 'school_confirmed', 'government_verified')),
  is_operator    boolean NOT NULL DEFAULT false,
  password_hash  text NOT NULL,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  CHECK (email IS NOT NULL OR phone IS NOT NULL)
);
-- One account per login; the e-mail is stored normalised (lower case), the phone in E.164.
CREATE UNIQUE INDEX accounts_email_key ON accounts (email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX accounts_phone_key ON accounts (phone) WHERE phone IS NOT NULL;

CREATE TABLE sessions (
  id              uuid PRIMARY KEY,
  account_id      uuid NOT NULL REFERENCES accounts (id),
  device          text NOT NULL DEFAULT '',
  client_address  text NOT NULL DEFAULT '',
  created_at      timestamptz NOT NULL,
  last_used_at    timestamptz NOT NULL,
  revoked_at      timestamptz,
  revoke_reason   text
);
CREATE INDEX sessions_account_idx ON sessions (account_id) WHERE revoked_at IS NULL;

-- Refresh tokens by SHA-256 only. A token is spent when rotated; its successor is a new row.
CREATE TABLE refresh_tokens (
  token_hash     text PRIMARY KEY,
  session_id     uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  issued_at      timestamptz NOT NULL,
  expires_at     timestamptz NOT NULL,
  access_key_id  text NOT NULL,
  rotated_at     timestamptz
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

-- Ed25519 signing keys; the private key is sealed with the master key (XChaCha20-Poly1305,
-- the key id as associated data): nonce || ciphertext.
CREATE TABLE signing_keys (
  kid            text PRIMARY KEY,
  sealed_private bytea NOT NULL,
  created_at     timestamptz NOT NULL,
  activates_at   timestamptz NOT NULL,
  retires_at     timestamptz NOT NULL,
  expires_at     timestamptz NOT NULL
);
