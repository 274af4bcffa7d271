-- Creates a client may retry after a lost answer (CreateSchool, CreateClass, CreateInvitation,
-- CreateParentInvitation, CreateLesson with a request_id): the first call claims the caller's
-- request id for the operation in its own transaction, with its answer; a retry finds the claim
-- and answers the same. `fingerprint` is what the first call asked (the request without its id),
-- so the same id with another request is refused. `answer` holds what the use case needs to
-- answer again (the created object's id; an invitation's code too), so rows are purged after the
-- retry window (an hour by default): an invitation code is kept in clear for no longer.
CREATE TABLE create_requests (
  caller_id text NOT NULL,
  operation text NOT NULL,
  request_id text NOT NULL,
  fingerprint bytea NOT NULL,
  answer text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (caller_id, operation, request_id)
);
CREATE INDEX create_requests_by_age ON create_requests (created_at);
