-- The SNILS an ESIA person's provider vouches for: sealed with the master key (only the service
-- can read it), found by a keyed hash (HMAC-SHA-256 under a subkey of the master key: matching a
-- child by SNILS needs no decryption, and a database dump reveals nothing), shown to the person
-- only masked ("***-***-*** 95"). Kept while the account is tied to ESIA; never logged.
ALTER TABLE accounts ADD COLUMN snils_sealed bytea;
ALTER TABLE accounts ADD COLUMN snils_hash text;
ALTER TABLE accounts ADD COLUMN snils_masked text;
CREATE INDEX accounts_snils_hash ON accounts (snils_hash) WHERE snils_hash IS NOT NULL;
