-- Where the directory is in identity's account events (libs/pg/event_cursor.h): operators'
-- locks and people's erasures reach the schools' audit logs and rosters from there.
CREATE TABLE event_cursors (stream text PRIMARY KEY, sequence bigint NOT NULL);
