-- Up Migration
-- Accounts: the id is the tokens' `sub` (opaque, stable); emails are stored lower-cased.
CREATE TABLE accounts (
  id uuid PRIMARY KEY,
  email text NOT NULL UNIQUE CHECK (email = lower(email)),
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Everything oidc-provider stores (sessions, interactions, grants, codes, refresh tokens), one row
-- per model and id; grant_id, uid and user_code are the lookups its adapter contract asks for.
CREATE TABLE oidc_models (
  model text NOT NULL,
  id text NOT NULL,
  payload jsonb NOT NULL,
  grant_id text,
  uid text,
  user_code text,
  expires_at timestamptz,
  consumed_at timestamptz,
  PRIMARY KEY (model, id)
);
CREATE INDEX oidc_models_grant_id ON oidc_models (model, grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX oidc_models_uid ON oidc_models (model, uid) WHERE uid IS NOT NULL;
CREATE INDEX oidc_models_user_code ON oidc_models (model, user_code) WHERE user_code IS NOT NULL;
CREATE INDEX oidc_models_expires_at ON oidc_models (expires_at);

-- Failed sign-ins per key (`account:<email>`, `address:<ip>`) in a fixed window, shared by replicas.
CREATE TABLE sign_in_failures (
  key text PRIMARY KEY,
  failures integer NOT NULL,
  window_start timestamptz NOT NULL
);

-- Down Migration
DROP TABLE sign_in_failures;
DROP TABLE oidc_models;
DROP TABLE accounts;
