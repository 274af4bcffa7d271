-- A parent link belongs to the school that confirmed it: the class parents' chats of a school
-- follow only the links confirmed there, and a link ended in one school leaves the others as
-- they are. Chats people made follow the school too: a person with no role left in a school is
-- out of its groups and direct chats, and a direct chat carries messages only while the
-- directory lets its two people contact each other.

-- Rows of before knew no school. A confirmed link in a school gives the parent the parent role
-- there, and he keeps it while any of his links there lasts; so when the mirror knows him as a
-- parent in exactly one school, every link of his is that school's. Any other row could belong to
-- either of his schools (or to both: the old key merged them), so it is dropped rather than
-- guessed: a wrong guess would show a school's parents' chat to a parent of another school.
-- Those parents leave the class parents' chats by the repairs below; a link confirmed again, or
-- one whose event the directory still holds for catch-up, brings them back.
ALTER TABLE roster_parents ADD COLUMN school_id uuid;
UPDATE roster_parents p SET school_id = r.school_id
  FROM roster_roles r
  WHERE r.user_id = p.parent_id AND r.role = 'parent'
    AND (SELECT count(*) FROM roster_roles o
         WHERE o.user_id = p.parent_id AND o.role = 'parent') = 1;
DELETE FROM roster_parents WHERE school_id IS NULL;
ALTER TABLE roster_parents ALTER COLUMN school_id SET NOT NULL;
ALTER TABLE roster_parents DROP CONSTRAINT roster_parents_pkey;
ALTER TABLE roster_parents ADD PRIMARY KEY (school_id, parent_id, student_id);
DROP INDEX roster_parents_by_student;
CREATE INDEX roster_parents_by_student ON roster_parents (student_id, school_id);

-- Work the service does once at start, each item in a transaction of its own: 'class' brings a
-- class's chats to the mirror (parents who were let in through another school's link leave),
-- 'school' takes people with no role left in the school out of its groups and direct chats.
CREATE TABLE roster_repairs (
  kind text NOT NULL CHECK (kind IN ('class', 'school')),
  id uuid NOT NULL,
  PRIMARY KEY (kind, id)
);
INSERT INTO roster_repairs (kind, id)
  SELECT 'class', id FROM roster_classes WHERE NOT archived;
INSERT INTO roster_repairs (kind, id)
  SELECT DISTINCT 'school', school_id FROM chats WHERE kind IN ('group', 'direct');

-- Direct chats whose two people the directory must be asked about again (a role, a class, a
-- parent link or a student's safe mode changed); the contact checker empties it. Queuing a
-- chat again gives it a new ticket, so a check that began before does not take it off.
CREATE TABLE direct_chat_checks (
  chat_id uuid PRIMARY KEY REFERENCES chats (id),
  ticket bigserial NOT NULL
);
INSERT INTO direct_chat_checks (chat_id) SELECT id FROM chats WHERE kind = 'direct';
