import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { catalog, usesBroker } from '@mesh-kit/catalog';
import { synthesize } from '../scripts/chart.js';
import { brokerPassword, ensureSecrets, secretManifests } from '../scripts/secrets.js';
import { devTokenSigner } from '../scripts/token.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mesh-kit-secrets-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const snapshot = (): Record<string, string> =>
  Object.fromEntries(readdirSync(dir).map((file) => [file, readFileSync(join(dir, file), 'utf8')]));

describe('make secrets', () => {
  it('makes broker passwords nats-server reads as strings: never a leading digit (nats-io/nats-server#3431)', () => {
    const made = Array.from({ length: 200 }, brokerPassword);
    for (const p of made) expect(p).toMatch(/^[a-z][0-9a-f]{48}$/);
    const secrets = ensureSecrets(dir);
    const brokerUsers = [
      ...catalog.services.filter(usesBroker).map((s) => s.name),
      'broker-bootstrap',
      'broker-admin',
    ].map((user) => `${user}-nats`);
    for (const name of brokerUsers) expect(secrets.get(name)?.['password']).toMatch(/^[a-z]/);
  });

  it('creates the agreed Secrets: postgres-admin, one <service>-db (runtime role) and <service>-db-owner per database, one <user>-nats per broker user (the bootstrap and the operator too), loadgen-jwt, identity-jwt', () => {
    const secrets = ensureSecrets(dir);
    const withDatabase = catalog.services
      .filter((s) => s.database !== undefined)
      .flatMap((s) => [`${s.name}-db`, `${s.name}-db-owner`]);
    const brokerUsers = [
      ...catalog.services.filter(usesBroker).map((s) => s.name),
      'broker-bootstrap',
      'broker-admin',
    ].map((user) => `${user}-nats`);
    expect([...secrets.keys()].sort()).toEqual(
      ['loadgen-jwt', 'identity-jwt', 'postgres-admin', ...withDatabase, ...brokerUsers].sort(),
    );
    expect(Object.keys(secrets.get('orders-nats') ?? {}).sort()).toEqual(['password', 'username']);
    expect(Object.keys(secrets.get('postgres-admin') ?? {})).toEqual(['password']);
    const users = secrets.get('users-db') ?? {};
    expect(Object.keys(users).sort()).toEqual(['database', 'password', 'url', 'username']);
    expect(users['url']).toBe(`postgres://users:${users['password']}@postgres:5432/users`);
    const owner = secrets.get('users-db-owner') ?? {};
    expect(owner['url']).toBe(`postgres://users_owner:${owner['password']}@postgres:5432/users`);
    expect(owner['password']).not.toBe(users['password']);
    expect(secrets.get('loadgen-jwt')?.['private.pem']).toContain('PRIVATE KEY');
    // identity's key pair: the private half a Secret, the public half what the gateway trusts.
    expect(secrets.get('identity-jwt')?.['private.pem']).toContain('PRIVATE KEY');
    expect(readFileSync(join(dir, 'identity-jwks.json'), 'utf8')).not.toContain('"d"');
    expect(statSync(join(dir, 'users-db.json')).mode & 0o077).toBe(0);
  });

  it('takes Secret names, keys, the PostgreSQL endpoint and the token claims from the catalog', async () => {
    const other = {
      ...catalog,
      secrets: {
        postgresAdmin: 'pg-root',
        databaseSuffix: '-creds',
        databaseOwnerSuffix: '-owner-creds',
        brokerSuffix: '-broker',
        jwtSignerSuffix: '-signer',
        jwtPrivateKey: 'key.pem',
      },
      postgres: { ...catalog.postgres, name: 'pg', port: 6543 },
      ingress: {
        ...catalog.ingress,
        jwt: {
          ...catalog.ingress.jwt,
          issuers: [
            { id: 'users', issuer: 'issuer-x', audiences: ['audience-y'], maxLifetimeSeconds: 3_600 },
            ...catalog.ingress.jwt.issuers.slice(1),
          ],
        },
      },
    };
    const secrets = ensureSecrets(dir, other);
    const withDatabase = other.services
      .filter((s) => s.database !== undefined)
      .flatMap((s) => [`${s.name}-creds`, `${s.name}-owner-creds`]);
    const brokerUsers = [
      ...other.services.filter(usesBroker).map((s) => s.name),
      'broker-bootstrap',
      'broker-admin',
    ].map((user) => `${user}-broker`);
    expect([...secrets.keys()].sort()).toEqual(
      ['loadgen-signer', 'identity-signer', 'pg-root', ...withDatabase, ...brokerUsers].sort(),
    );
    const users = secrets.get('users-creds') ?? {};
    expect(users['url']).toBe(`postgres://users:${users['password']}@pg:6543/users`);
    expect(secrets.get('loadgen-signer')?.['key.pem']).toContain('PRIVATE KEY');
    expect(readFileSync(join(dir, 'loadgen-signer.json'), 'utf8')).toContain('key.pem');
    const claims = (await devTokenSigner(dir, 60, other).sign('u')).split('.')[1] ?? '';
    expect(JSON.parse(Buffer.from(claims, 'base64url').toString())).toMatchObject({
      iss: 'issuer-x',
      aud: 'audience-y',
    });
  });

  it('keeps what exists: a second run changes nothing', () => {
    ensureSecrets(dir);
    const first = snapshot();
    ensureSecrets(dir);
    expect(snapshot()).toEqual(first);
  });

  it('refuses to pair a new private key with an old public one', () => {
    ensureSecrets(dir);
    unlinkSync(join(dir, 'loadgen-jwt.json'));
    expect(() => ensureSecrets(dir)).toThrow(/loadgen-jwt\.json is missing but its pair exists/);
  });

  it('writes labelled Secret objects with base64 data', () => {
    const yaml = secretManifests('shop', ensureSecrets(dir));
    const objects = parseAllDocuments(yaml).map(
      (doc) =>
        doc.toJS() as {
          metadata: { name: string; namespace: string; labels: Record<string, string> };
          data: Record<string, string>;
        },
    );
    const admin = objects.find((o) => o.metadata.name === 'postgres-admin');
    if (admin === undefined) throw new Error('no postgres-admin Secret');
    expect(admin.metadata.namespace).toBe('shop');
    expect(admin.metadata.labels['app.kubernetes.io/part-of']).toBe('mesh-kit');
    expect(Buffer.from(admin.data['password'] ?? '', 'base64').toString()).toMatch(/^[0-9a-f]{48}$/);
  });
});

/** Every {name, key} a synthesized object reads from a Secret (env secretKeyRef, secret volumes). */
function secretReferences(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) value.forEach((item) => secretReferences(item, found));
  else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const ref = record['secretKeyRef'] as { name?: string; key?: string } | undefined;
    if (ref?.name !== undefined) found.add(`${ref.name}/${ref.key ?? ''}`);
    const volume = record['secret'] as { secretName?: string; items?: { key: string }[] } | undefined;
    if (volume?.secretName !== undefined) {
      for (const item of volume.items ?? [{ key: '*' }]) found.add(`${volume.secretName}/${item.key}`);
    }
    Object.values(record).forEach((item) => secretReferences(item, found));
  }
  return found;
}

it('creates every Secret key the synthesized manifests read', () => {
  const objects = synthesize({ registry: 'mesh-kit', tag: '0.1.0' }).flatMap((f) => f.objects);
  const wanted = [...secretReferences(objects)].sort();
  expect(wanted.length).toBeGreaterThan(0);
  const secrets = ensureSecrets(dir);
  const made = new Set(
    [...secrets].flatMap(([name, data]) => ['*', ...Object.keys(data)].map((key) => `${name}/${key}`)),
  );
  expect(wanted.filter((reference) => !made.has(reference))).toEqual([]);
});

describe('make token', () => {
  it("signs, with the users' issuer key, an RS256 JWT that the users' JWKS from make secrets verifies", async () => {
    ensureSecrets(dir);
    const jwks = JSON.parse(readFileSync(join(dir, 'jwks.json'), 'utf8')) as { keys: JsonWebKey[] };
    const key = jwks.keys[0];
    if (key === undefined) throw new Error('no key');
    const before = Math.floor(Date.now() / 1000);
    const token = await devTokenSigner(dir).sign('user-1');
    const [header = '', claims = '', signature = ''] = token.split('.');
    const publicKey = createPublicKey({ key: key as never, format: 'jwk' });
    expect(verify('sha256', Buffer.from(`${header}.${claims}`), publicKey, Buffer.from(signature, 'base64url'))).toBe(
      true,
    );
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toMatchObject({ alg: 'RS256' });
    const payload = JSON.parse(Buffer.from(claims, 'base64url').toString()) as Record<string, number | string>;
    expect(payload).toMatchObject({
      iss: catalog.ingress.jwt.issuers[0]!.issuer,
      aud: catalog.ingress.jwt.issuers[0]!.audiences[0],
      sub: 'user-1',
    });
    expect(Number(payload['exp']) - Number(payload['iat'])).toBe(3600);
    expect(Number(payload['iat'])).toBeGreaterThanOrEqual(before);
  });

  it('says to run make secrets when there is no key', () => {
    expect(() => devTokenSigner(join(dir, 'missing'))).toThrow(/dev-jwt\.json: run `make secrets` first/);
  });

  it("signs with the users' issuer key, which is not loadgen's and never becomes a Secret", () => {
    const secrets = ensureSecrets(dir);
    const dev = JSON.parse(readFileSync(join(dir, 'dev-jwt.json'), 'utf8')) as Record<string, string>;
    const users = readFileSync(join(dir, 'jwks.json'), 'utf8');
    const loadgen = readFileSync(join(dir, 'loadgen-jwks.json'), 'utf8');
    expect(users).not.toBe(loadgen);
    expect(secrets.get('loadgen-jwt')?.['private.pem']).not.toBe(dev['private.pem']);
    expect(secretManifests('shop', secrets)).not.toContain(Buffer.from(dev['private.pem']!).toString('base64'));
    for (const data of secrets.values()) expect(Object.values(data)).not.toContain(dev['private.pem']);
  });

  it('refuses the earlier layout where jwks.json was loadgen’s public key', () => {
    ensureSecrets(dir);
    unlinkSync(join(dir, 'dev-jwt.json'));
    expect(() => ensureSecrets(dir)).toThrow(/earlier layout: delete .*jwks\.json and .*loadgen-jwt\.json/);
  });
});
