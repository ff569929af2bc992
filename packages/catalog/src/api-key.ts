import { createHash, randomBytes } from 'node:crypto';

/** The shop's API keys: `mk_` and 32 random bytes in base64url (256 bits). */
export const API_KEY_PATTERN = /^mk_[A-Za-z0-9_-]{43}$/;

/** What a client name and a scope may look like (they reach SQL, headers and logs). */
export const CLIENT_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const SCOPE_PATTERN = /^[a-z][a-z0-9_-]*:[a-z][a-z0-9_-]*$/;

/** A new random key. It is shown once to whoever creates it; only its hash is stored. */
export function generateApiKey(): string {
  return `mk_${randomBytes(32).toString('base64url')}`;
}

/**
 * The stored form of a key. A single SHA-256 is enough for 256 random bits (nothing to guess,
 * unlike a password), and it lets the check find the key by an indexed equality lookup.
 */
export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

// Statements for operators (make apikey, make verify), run by psql or a client where binding
// parameters is not available. Names and scopes reach them only after the patterns above.
const literal = (text: string): string => {
  if (!CLIENT_NAME_PATTERN.test(text) && !SCOPE_PATTERN.test(text))
    throw new Error(`not a client name or scope: '${text}'`);
  return `'${text}'`;
};

/** Stores a key's hash for a client, with scopes. */
export function insertStatement(name: string, scopes: readonly string[], hash: Buffer): string {
  return (
    `INSERT INTO api_keys (name, key_hash, scopes) VALUES (${literal(name)}, ` +
    `'\\x${hash.toString('hex')}'::bytea, ARRAY[${scopes.map(literal).join(', ')}]::text[]) RETURNING id;`
  );
}

/** Revokes the client's active key. */
export function revokeStatement(name: string): string {
  return `UPDATE api_keys SET revoked_at = now() WHERE name = ${literal(name)} AND revoked_at IS NULL RETURNING id;`;
}
