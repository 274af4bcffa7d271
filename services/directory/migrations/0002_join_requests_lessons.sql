-- Join requests and the weekly timetable.

CREATE TABLE join_requests (
  id uuid PRIMARY KEY,
  school_id uuid NOT NULL REFERENCES schools (id),
  user_id uuid NOT NULL,
  role text NOT NULL CHECK (role IN ('teacher', 'employee', 'student')),
  class_id uuid REFERENCES classes (id),
  message text NOT NULL DEFAULT '',
  state text NOT NULL CHECK (state IN ('pending', 'approved', 'declined', 'expired')),
  decline_reason text NOT NULL DEFAULT '',
  decided_by uuid,
  decided_at timestamptz,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
-- At most one pending request per person, school and role: a repeated request collapses here.
CREATE UNIQUE INDEX join_requests_one_pending ON join_requests (school_id, user_id, role)
  WHERE state = 'pending';
CREATE INDEX join_requests_by_school ON join_requests (school_id, created_at);
CREATE INDEX join_requests_by_user ON join_requests (user_id, created_at);

CREATE TABLE lessons (
  id uuid PRIMARY KEY,
  school_id uuid NOT NULL REFERENCES schools (id),
  class_id uuid NOT NULL REFERENCES classes (id),
  weekday int NOT NULL CHECK (weekday BETWEEN 1 AND 7),
  -- Local wall-clock minutes after midnight in the school's time zone.
  start_minute int NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
  end_minute int NOT NULL CHECK (end_minute > start_minute AND end_minute <= 1440),
  subject text NOT NULL,
  teacher_id uuid NOT NULL,
  room text NOT NULL DEFAULT ''
);
CREATE INDEX lessons_by_class ON lessons (class_id, weekday, start_minute);
CREATE INDEX lessons_by_teacher ON lessons (school_id, teacher_id, weekday, start_minute);
