-- Guest accounts: someone without an account, let into one call by a guest link
-- (CreateGuestSession). A guest has no login (no e-mail, phone or username) and an empty password
-- hash, which no password verifies (as a school-managed account before activation), so he can
-- never sign in; his one session ends at `sessions.expires_at`.

ALTER TABLE accounts ADD COLUMN guest boolean NOT NULL DEFAULT false;
ALTER TABLE accounts DROP CONSTRAINT accounts_login_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_login_check
  CHECK (CASE WHEN guest THEN email IS NULL AND phone IS NULL AND username IS NULL
              ELSE email IS NOT NULL OR phone IS NOT NULL OR username IS NOT NULL END);

-- When the session ends whatever its use (guests); NULL: it lasts while it is used.
ALTER TABLE sessions ADD COLUMN expires_at timestamptz;
