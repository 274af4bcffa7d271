-- Sign-in through ESIA (Госуслуги), an OpenID Connect provider.
--
-- An account is tied to at most one ESIA person and a person to at most one account: `esia_oid`
-- is the provider's stable id of the person. While the link is trusted (a confirmed ESIA
-- account), the account is government-verified. An account made by an ESIA sign-in has no other
-- login: the link is its way in.
ALTER TABLE accounts ADD COLUMN esia_oid text UNIQUE;
ALTER TABLE accounts ADD COLUMN esia_trusted boolean NOT NULL DEFAULT false;
ALTER TABLE accounts DROP CONSTRAINT accounts_login_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_login_check
  CHECK (CASE WHEN guest THEN email IS NULL AND phone IS NULL AND username IS NULL
                              AND esia_oid IS NULL
              ELSE email IS NOT NULL OR phone IS NOT NULL OR username IS NOT NULL
                   OR esia_oid IS NOT NULL END);

-- A sign-in started here and not finished yet: the `state` and `nonce` sent to the provider,
-- checked when the person comes back. Single use; dropped when finished or expired.
CREATE TABLE esia_sign_ins (
  state      uuid PRIMARY KEY,
  nonce      text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX esia_sign_ins_expiry ON esia_sign_ins (expires_at);
