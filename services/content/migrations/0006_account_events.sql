-- Where content is in identity's account events (libs/pg/event_cursor.h): a person's erasure
-- removes his files from here.
CREATE TABLE event_cursors (stream text PRIMARY KEY, sequence bigint NOT NULL);
