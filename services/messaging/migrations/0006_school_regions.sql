-- The region of each school, from the directory's school events: API clients limited to regions
-- (e-journals posting notices) are checked against it. A school not seen since this migration is
-- in no region until its next change: such clients are refused there, never let through.
CREATE TABLE school_regions (
  school_id uuid PRIMARY KEY,
  region_code text NOT NULL
);
