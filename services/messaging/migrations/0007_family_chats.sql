-- Family chats: one per pupil and school, read by the pupil's parents confirmed by that school,
-- where an e-journal posts what concerns that pupil alone. Made by the first such notice and
-- kept from the roster mirror like the class chats.
ALTER TABLE chats DROP CONSTRAINT chats_kind_check;
ALTER TABLE chats ADD CONSTRAINT chats_kind_check
  CHECK (kind IN ('class_students', 'class_parents', 'staff', 'channel', 'group', 'direct',
                  'family'));
ALTER TABLE chats ADD COLUMN pupil_id uuid;
ALTER TABLE chats ADD CONSTRAINT chats_family_has_pupil
  CHECK ((kind = 'family') = (pupil_id IS NOT NULL));
CREATE UNIQUE INDEX chats_of_family ON chats (school_id, pupil_id) WHERE kind = 'family';
