-- Operators rotate an API client's secret (the old one is refused from then on) and revoke the
-- client (disabled_at); when the secret last changed is shown to them.
ALTER TABLE api_clients ADD COLUMN secret_changed_at timestamptz;
UPDATE api_clients SET secret_changed_at = created_at;
ALTER TABLE api_clients ALTER COLUMN secret_changed_at SET NOT NULL;
