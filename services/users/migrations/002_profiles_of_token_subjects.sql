-- Up Migration
-- A profile belongs to the caller's token subject (the gateway's x-user-id), which the identity
-- provider chooses: any string, not only a UUID. Email addresses are contact data, not an identity
-- key, and no longer unique: a uniqueness check would tell any token holder which addresses have
-- an account (docs/security.md, "Object-level authorization").
ALTER TABLE users ALTER COLUMN id TYPE text;
ALTER TABLE users ADD CONSTRAINT users_id_length CHECK (length(id) BETWEEN 1 AND 200);
DROP INDEX users_email_key;

-- Down Migration
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
ALTER TABLE users DROP CONSTRAINT users_id_length;
ALTER TABLE users ALTER COLUMN id TYPE uuid USING id::uuid;
