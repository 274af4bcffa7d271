-- A call's waiting room: when on, newcomers who do not control the call wait until a host
-- admits them (who waits lives in Redis with the rest of the call's fast state).
ALTER TABLE calls ADD COLUMN waiting_room boolean NOT NULL DEFAULT false;
