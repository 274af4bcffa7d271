-- An API client may be bound to a client certificate (mutual TLS, RFC 8705): its SHA-256
-- thumbprint (base64url of the DER) and expiry. Bound clients get tokens only over a connection
-- presenting that certificate, and their tokens carry the thumbprint.
ALTER TABLE api_clients ADD COLUMN certificate_sha256 text;
ALTER TABLE api_clients ADD COLUMN certificate_not_after timestamptz;
ALTER TABLE api_clients ADD CONSTRAINT api_clients_certificate_whole
  CHECK ((certificate_sha256 IS NULL) = (certificate_not_after IS NULL));

-- An API client may be limited to schools (ids) and to the schools of regions (two-digit
-- codes); both empty: not limited. Its tokens carry the lists.
ALTER TABLE api_clients ADD COLUMN school_ids text[] NOT NULL DEFAULT '{}';
ALTER TABLE api_clients ADD COLUMN region_codes text[] NOT NULL DEFAULT '{}';
