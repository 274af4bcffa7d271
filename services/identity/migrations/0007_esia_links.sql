-- Linking ESIA to an existing account: a sign-in started by a signed-in person for his own
-- account names it, and only he can finish it (CompleteEsiaLink). NULL: a sign-in or sign-up.
ALTER TABLE esia_sign_ins ADD COLUMN account_id uuid REFERENCES accounts (id) ON DELETE CASCADE;
-- The SHA-256 (hex) of the verifier handed to whoever started the sign-in, which the return must
-- bring back: a return URL alone (leaked, or planted on someone else's browser) opens nothing.
-- Sign-ins started before it have none and can no longer be finished.
ALTER TABLE esia_sign_ins ADD COLUMN verifier_hash text NOT NULL DEFAULT '';
