-- API keys of machine clients. Only a SHA-256 of each key is stored: the key itself is printed once
-- by `make apikey` and never kept. A revoked key keeps its row (revoked_at) so revocation needs no
-- redeploy and leaves a record.
CREATE TABLE api_keys (
  id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text        NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  key_hash    bytea       NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
  scopes      text[]      NOT NULL CHECK (cardinality(scopes) > 0),
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

-- One active key per client name; rotating means revoking the old key and creating a new one.
CREATE UNIQUE INDEX api_keys_active_name ON api_keys (name) WHERE revoked_at IS NULL;
