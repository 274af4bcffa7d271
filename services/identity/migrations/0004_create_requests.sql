-- Creates a client may retry after a lost answer (CreateApiClient with a request_id): the first
-- call claims the caller's request id for the operation in its own transaction, with its answer;
-- a retry finds the claim and answers the same. `fingerprint` is what the first call asked (the
-- request without its id), so the same id with another request is refused. `sealed_answer` holds
-- what the use case needs to answer again (the client id and its secret), sealed with the master
-- key like the signing keys (the caller, operation and request id as associated data); rows are
-- purged after the retry window (PARTA_IDENTITY_CREATE_RETRY_WINDOW, an hour by default).
CREATE TABLE create_requests (
  caller_id      text NOT NULL,
  operation      text NOT NULL,
  request_id     text NOT NULL,
  fingerprint    bytea NOT NULL,
  sealed_answer  bytea NOT NULL,
  created_at     timestamptz NOT NULL,
  PRIMARY KEY (caller_id, operation, request_id)
);
CREATE INDEX create_requests_by_age ON create_requests (created_at);
