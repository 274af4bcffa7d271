-- CreateGroupChat takes a request id, as SendMessage does: a group keeps who made it, the request
-- id he chose and SHA-256 of what he asked (the request without its id), so a retry after a lost
-- answer finds the group the first call made, and the same id with another request is told
-- apart. The unique index makes a retry racing the first call wait for it and then find its
-- group. Groups of before, direct and roster chats have none.
ALTER TABLE chats
  ADD COLUMN creator_id uuid,
  ADD COLUMN create_request_id text,
  ADD COLUMN create_request_hash bytea;
CREATE UNIQUE INDEX chats_by_create_request ON chats (creator_id, create_request_id)
  WHERE create_request_id IS NOT NULL;
