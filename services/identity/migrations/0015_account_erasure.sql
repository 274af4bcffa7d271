-- Erasure of accounts on request (152-FZ, art. 21). A closed account may not sign in; when its
-- grace period ends its personal data is wiped and the row stays as a tombstone (state
-- 'deleted', no login, the name «Удалённый пользователь»), so that ids held by other services
-- still resolve. Other services erase their part when the event AccountErased reaches them.
ALTER TABLE accounts DROP CONSTRAINT accounts_state_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_state_check
  CHECK (state IN ('active', 'locked', 'closed', 'deleted'));
ALTER TABLE accounts DROP CONSTRAINT accounts_login_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_login_check
  CHECK (CASE WHEN guest OR state = 'deleted'
                THEN email IS NULL AND phone IS NULL AND username IS NULL AND esia_oid IS NULL
              ELSE email IS NOT NULL OR phone IS NOT NULL OR username IS NOT NULL
                   OR esia_oid IS NOT NULL END);

-- One erasure per account: who asked, why, and when it becomes final. Kept after it is done
-- (it holds no personal data beyond the reason given) as the record that it was done.
CREATE TABLE account_erasures (
  account_id    uuid PRIMARY KEY REFERENCES accounts (id),
  state         text NOT NULL CHECK (state IN ('pending', 'cancelled', 'done')),
  requested_by  uuid NOT NULL,
  reason        text NOT NULL,
  requested_at  timestamptz NOT NULL,
  erase_at      timestamptz NOT NULL,
  finished_at   timestamptz
);
CREATE INDEX account_erasures_due ON account_erasures (erase_at) WHERE state = 'pending';

ALTER TABLE account_audit DROP CONSTRAINT account_audit_action_check;
ALTER TABLE account_audit ADD CONSTRAINT account_audit_action_check
  CHECK (action IN ('locked', 'unlocked', 'looked_up', 'password_reset', 'contact_changed',
                    'erasure_requested', 'erasure_cancelled', 'erased'));
