-- From 0007 on, `accounts.verification` is the level Parta gave an account itself; ESIA's is
-- added while the tie is trusted (Account::own_verification). Before, an ESIA sign-in wrote its
-- government level into this column: for accounts tied to ESIA it came from ESIA and is taken
-- back here, so that an unconfirmed person or an unlink can take it away again.
UPDATE accounts SET verification = 'none'
 WHERE esia_oid IS NOT NULL AND verification = 'government_verified';
