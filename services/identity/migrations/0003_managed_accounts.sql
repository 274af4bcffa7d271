-- School-managed accounts: young pupils (and staff imported by a school) without e-mail or
-- phone. They sign in with a generated username; the school hands out one-time login codes,
-- with which the person sets (or resets) the password.

ALTER TABLE accounts ADD COLUMN username text;
-- The creator's key of the person (a school's roster import): creating again returns the same
-- account.
ALTER TABLE accounts ADD COLUMN external_key text;
ALTER TABLE accounts DROP CONSTRAINT accounts_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_login_check
  CHECK (email IS NOT NULL OR phone IS NOT NULL OR username IS NOT NULL);
CREATE UNIQUE INDEX accounts_username_key ON accounts (username) WHERE username IS NOT NULL;
CREATE UNIQUE INDEX accounts_external_key ON accounts (external_key)
  WHERE external_key IS NOT NULL;

-- At most one live code per account; stored as a SHA-256.
CREATE TABLE login_codes (
  account_id  uuid PRIMARY KEY REFERENCES accounts (id),
  code_hash   text NOT NULL,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL
);

-- API clients of Parta's own services are registered on the command line of the deployment
-- (`parta-identity create-service-client`), not by an operator's account.
ALTER TABLE api_clients ALTER COLUMN created_by DROP NOT NULL;
