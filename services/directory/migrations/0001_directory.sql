-- The school directory: schools, members and roles, classes and rosters, invitations, parent
-- links, student settings; the outbox of per-school events and the audit log.

CREATE TABLE schools (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  short_name text NOT NULL,
  region_code text NOT NULL,
  address text NOT NULL,
  time_zone text NOT NULL,
  inn text NOT NULL UNIQUE,
  ogrn text NOT NULL,
  description text NOT NULL DEFAULT '',
  contacts text NOT NULL DEFAULT '',
  logo_content_id text NOT NULL DEFAULT '',
  -- Bumped by every change to the school's directory: cached permission answers of older
  -- generations are void.
  generation bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX schools_name_search ON schools (lower(name), lower(short_name));

CREATE TABLE memberships (
  school_id uuid NOT NULL REFERENCES schools (id),
  user_id uuid NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'teacher', 'employee', 'student', 'parent')),
  granted_at timestamptz NOT NULL,
  PRIMARY KEY (school_id, user_id, role)
);
CREATE INDEX memberships_by_user ON memberships (user_id);

CREATE TABLE teacher_subjects (
  school_id uuid NOT NULL REFERENCES schools (id),
  user_id uuid NOT NULL,
  subjects text[] NOT NULL,
  PRIMARY KEY (school_id, user_id)
);

CREATE TABLE classes (
  id uuid PRIMARY KEY,
  school_id uuid NOT NULL REFERENCES schools (id),
  grade int NOT NULL CHECK (grade BETWEEN 0 AND 11),
  letter text NOT NULL,
  academic_year int NOT NULL,
  class_teacher_id uuid,
  archived boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL
);
-- One active "5А" per school and academic year.
CREATE UNIQUE INDEX classes_unique_active ON classes (school_id, academic_year, grade, letter)
  WHERE NOT archived;
CREATE INDEX classes_by_teacher ON classes (class_teacher_id) WHERE class_teacher_id IS NOT NULL;

CREATE TABLE class_students (
  class_id uuid NOT NULL REFERENCES classes (id),
  user_id uuid NOT NULL,
  PRIMARY KEY (class_id, user_id)
);
CREATE INDEX class_students_by_user ON class_students (user_id);

CREATE TABLE class_teachers (
  class_id uuid NOT NULL REFERENCES classes (id),
  user_id uuid NOT NULL,
  subject text NOT NULL,
  PRIMARY KEY (class_id, user_id, subject)
);
CREATE INDEX class_teachers_by_user ON class_teachers (user_id);

CREATE TABLE invitations (
  id uuid PRIMARY KEY,
  school_id uuid NOT NULL REFERENCES schools (id),
  code_hash bytea NOT NULL UNIQUE,
  role text NOT NULL,
  class_id uuid REFERENCES classes (id),
  student_id uuid,
  expires_at timestamptz NOT NULL,
  max_uses int NOT NULL,
  uses int NOT NULL DEFAULT 0,
  creator_id uuid NOT NULL,
  revoked boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL
);
CREATE INDEX invitations_by_school ON invitations (school_id, created_at DESC);

CREATE TABLE invitation_redemptions (
  invitation_id uuid NOT NULL REFERENCES invitations (id),
  user_id uuid NOT NULL,
  redeemed_at timestamptz NOT NULL,
  PRIMARY KEY (invitation_id, user_id)
);

CREATE TABLE parent_links (
  id uuid PRIMARY KEY,
  school_id uuid NOT NULL REFERENCES schools (id),
  parent_id uuid NOT NULL,
  student_id uuid NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'confirmed')),
  created_at timestamptz NOT NULL,
  confirmed_by uuid,
  confirmed_at timestamptz,
  UNIQUE (school_id, parent_id, student_id),
  CHECK (parent_id <> student_id)
);
CREATE INDEX parent_links_by_student ON parent_links (school_id, student_id);
CREATE INDEX parent_links_by_parent ON parent_links (parent_id);

CREATE TABLE student_settings (
  school_id uuid NOT NULL REFERENCES schools (id),
  student_id uuid NOT NULL,
  safe_mode boolean NOT NULL,
  PRIMARY KEY (school_id, student_id)
);

-- Every change, kept (the outbox is purged; this is not).
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  school_id uuid NOT NULL,
  actor_id uuid,
  action text NOT NULL,
  subject_id text NOT NULL DEFAULT '',
  generation bigint NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX audit_log_by_school ON audit_log (school_id, id);

CREATE TABLE outbox_streams (stream text PRIMARY KEY, last_sequence bigint NOT NULL);
CREATE TABLE outbox (
  stream text NOT NULL,
  sequence bigint NOT NULL,
  event_type text NOT NULL,
  payload bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  PRIMARY KEY (stream, sequence)
);
CREATE INDEX outbox_unpublished ON outbox (stream, sequence) WHERE published_at IS NULL;
