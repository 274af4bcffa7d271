-- The end of a member's mute in parta.events.v1.MemberMuted moved from field 2 (`muted_until`)
-- to field 3 (`mute_end_time`). The chats' logs keep their changes as serialized
-- parta.events.v1.Event for good, and Sync and ListChatChanges read them back, so every logged
-- mute is rewritten to carry its end in field 3. Only the field's key byte changes (0x12: field
-- 2, length-delimited; 0x1a: field 3, the same), so no length around it moves. The walk follows
-- the protobuf wire format, Event.chat_change (13) → ChatChange.member_muted (21) →
-- MemberMuted field 2; a payload of any other shape is left as it is.
CREATE FUNCTION messaging_0004_mute_end_time(payload bytea) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  path CONSTANT int[] := ARRAY[13, 21, 2];  -- the field to enter at each depth
  depth int := 1;
  lo int := 0;  -- the message being read: bytes [lo, hi)
  hi int := length(payload);
  pos int;
  key_at int;
  key bigint;
  len bigint;
  shift int;
  b int;
  entered boolean;
BEGIN
  LOOP
    pos := lo;
    entered := false;
    WHILE pos < hi LOOP
      -- The field's key: a varint of (field number << 3 | wire type).
      key_at := pos;
      key := 0;
      shift := 0;
      LOOP
        IF pos >= hi OR shift > 56 THEN RETURN payload; END IF;
        b := get_byte(payload, pos);
        pos := pos + 1;
        key := key | ((b & 127)::bigint << shift);
        shift := shift + 7;
        EXIT WHEN b < 128;
      END LOOP;
      CASE key & 7
        WHEN 0 THEN  -- varint
          LOOP
            IF pos >= hi THEN RETURN payload; END IF;
            b := get_byte(payload, pos);
            pos := pos + 1;
            EXIT WHEN b < 128;
          END LOOP;
        WHEN 1 THEN  -- fixed64
          pos := pos + 8;
        WHEN 5 THEN  -- fixed32
          pos := pos + 4;
        WHEN 2 THEN  -- length-delimited
          len := 0;
          shift := 0;
          LOOP
            IF pos >= hi OR shift > 56 THEN RETURN payload; END IF;
            b := get_byte(payload, pos);
            pos := pos + 1;
            len := len | ((b & 127)::bigint << shift);
            shift := shift + 7;
            EXIT WHEN b < 128;
          END LOOP;
          IF pos + len > hi THEN RETURN payload; END IF;
          IF (key >> 3) = path[depth] THEN
            IF depth = 3 THEN
              IF get_byte(payload, key_at) <> 18 THEN RETURN payload; END IF;
              RETURN set_byte(payload, key_at, 26);
            END IF;
            lo := pos;
            hi := pos + len::int;
            depth := depth + 1;
            entered := true;
            EXIT;
          END IF;
          pos := pos + len::int;
        ELSE  -- groups: no Parta message has them
          RETURN payload;
      END CASE;
    END LOOP;
    IF NOT entered THEN RETURN payload; END IF;
  END LOOP;
END;
$$;

-- Only payloads holding a member_muted key (0xaa 0x01) can need it.
UPDATE outbox SET payload = r.rewritten
  FROM (SELECT stream, sequence, messaging_0004_mute_end_time(payload) AS rewritten
        FROM outbox
        WHERE stream LIKE 'chat/%' AND position('\xaa01'::bytea IN payload) > 0) AS r
  WHERE outbox.stream = r.stream AND outbox.sequence = r.sequence
    AND outbox.payload <> r.rewritten;

DROP FUNCTION messaging_0004_mute_end_time(bytea);
