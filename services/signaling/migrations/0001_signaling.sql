-- Calls: what must outlast the call's fast state in Redis. Who is in a call right now, their
-- media state and heartbeats live in Redis; the call itself, who took part and when, and who
-- was removed live here.

CREATE TABLE calls (
  id uuid PRIMARY KEY,
  chat_id uuid NOT NULL,
  school_id uuid NOT NULL,
  host_id uuid NOT NULL,
  -- The host's request id of StartCall, and what it asked (the chat), for retries.
  request_id text NOT NULL,
  topology text NOT NULL CHECK (topology IN ('peer_to_peer', 'sfu')),
  profile text NOT NULL CHECK (profile IN ('meeting', 'lesson')),
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  end_reason text CHECK (end_reason IN ('ended_by_host', 'everyone_left', 'media_server_lost')),
  locked boolean NOT NULL DEFAULT false,
  -- SFU calls: the Janus instance (its API address) and the VideoRoom of the call.
  media_server text,
  room bigint,
  -- The chat's messages about the call, posted through messaging (retried until posted).
  start_notice_posted boolean NOT NULL DEFAULT false,
  end_notice_posted boolean NOT NULL DEFAULT false,
  UNIQUE (host_id, request_id),
  CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);

-- One live call per chat.
CREATE UNIQUE INDEX calls_live_per_chat ON calls (chat_id) WHERE ended_at IS NULL;
CREATE INDEX calls_notices_pending ON calls (started_at)
  WHERE NOT start_notice_posted OR (ended_at IS NOT NULL AND NOT end_notice_posted);

-- Attendance: every stay of a person in a call, from his join to his leave.
CREATE TABLE call_attendance (
  call_id uuid NOT NULL REFERENCES calls (id),
  user_id uuid NOT NULL,
  role text NOT NULL CHECK (role IN ('host', 'co_host', 'participant', 'guest')),
  joined_at timestamptz NOT NULL,
  left_at timestamptz,
  leave_reason text CHECK (leave_reason IN ('left', 'timed_out', 'removed', 'call_ended')),
  PRIMARY KEY (call_id, user_id, joined_at)
);

-- At most one open stay per person and call.
CREATE UNIQUE INDEX call_attendance_open ON call_attendance (call_id, user_id)
  WHERE left_at IS NULL;

-- People a host removed from a call: they cannot rejoin it.
CREATE TABLE call_removals (
  call_id uuid NOT NULL REFERENCES calls (id),
  user_id uuid NOT NULL,
  removed_by uuid NOT NULL,
  removed_at timestamptz NOT NULL,
  PRIMARY KEY (call_id, user_id)
);
