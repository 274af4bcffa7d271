-- Consents to the processing of personal data (152-FZ art. 9). The texts people agree to are
-- platform-wide and kept forever with who published them (the text is the record); a purpose's
-- current text is its newest. Every consent given is a row of its own (the history is kept): the
-- newest row of a person and purpose is where he stands, and a withdrawal marks that row.

CREATE TABLE consent_texts (
  purpose text NOT NULL CHECK (purpose IN ('service', 'child_data', 'school_wide_visibility')),
  version text NOT NULL,
  text text NOT NULL,
  published_by uuid,  -- NULL for the texts this migration ships
  published_at timestamptz NOT NULL,
  -- Orders texts published at the same instant.
  seq bigserial NOT NULL,
  UNIQUE (purpose, version)
);
CREATE INDEX consent_texts_current ON consent_texts (purpose, published_at DESC, seq DESC);

INSERT INTO consent_texts (purpose, version, text, published_at) VALUES
  ('service', '2026-1',
   'Согласие на обработку персональных данных. Я даю согласие оператору платформы Parta на '
   'обработку моих персональных данных (фамилия, имя, отчество, адрес электронной почты или '
   'номер телефона, сведения о школах, классах и ролях, сообщения и файлы) в целях '
   'предоставления мне доступа к платформе и обеспечения связи со школой, в соответствии со '
   'статьёй 9 Федерального закона от 27.07.2006 № 152-ФЗ «О персональных данных». Согласие '
   'действует до его отзыва; я могу отозвать его в любой момент, после чего мои данные будут '
   'удалены.',
   '2026-01-01 00:00:00+00'),
  ('child_data', '2026-1',
   'Согласие на обработку персональных данных ребёнка. Я, родитель (законный представитель) '
   'обучающегося, даю согласие оператору платформы Parta на обработку его персональных данных '
   '(фамилия, имя, отчество, дата рождения, сведения о школе и классе, сообщения и файлы) в '
   'целях организации учебного общения со школой, учителями и одноклассниками, в соответствии '
   'со статьёй 9 Федерального закона от 27.07.2006 № 152-ФЗ «О персональных данных». Согласие '
   'действует до его отзыва; после отзыва учётная запись ребёнка будет закрыта и его данные '
   'удалены.',
   '2026-01-01 00:00:00+00'),
  ('school_wide_visibility', '2026-1',
   'Согласие на видимость ребёнка в школе. Я, родитель (законный представитель) обучающегося, '
   'согласен, чтобы любой участник его школы мог найти ребёнка в поиске, видеть, что он в сети, '
   'и написать ему. Без этого согласия ребёнка видят только одноклассники, его учителя, '
   'родители и администрация школы. Согласие можно отозвать в любой момент.',
   '2026-01-01 00:00:00+00');

CREATE TABLE consents (
  id uuid PRIMARY KEY,
  person_id uuid NOT NULL,
  purpose text NOT NULL,
  text_version text NOT NULL,
  -- The person, his parent, or the admin who recorded a paper form.
  given_by uuid NOT NULL,
  method text NOT NULL CHECK (method IN ('online', 'paper')),
  -- Paper forms: the school whose admin recorded it, and the parent's name as signed.
  school_id uuid REFERENCES schools (id),
  parent_name text NOT NULL DEFAULT '',
  given_at timestamptz NOT NULL,
  withdrawn_at timestamptz,
  withdrawn_by uuid,
  -- How it was withdrawn; for a signed paper withdrawal, the school and the parent's name.
  withdrawn_method text CHECK (withdrawn_method IN ('online', 'paper')),
  withdrawn_school_id uuid REFERENCES schools (id),
  withdrawn_parent_name text NOT NULL DEFAULT '',
  -- Insertion order: the newest row of a person and purpose is where he stands.
  seq bigserial NOT NULL,
  FOREIGN KEY (purpose, text_version) REFERENCES consent_texts (purpose, version)
);
CREATE INDEX consents_by_person ON consents (person_id, purpose, seq DESC);
