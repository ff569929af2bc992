/**
 * `make secrets`: generates the kit's credentials once under .secrets/ (never committed) and writes
 * them as Kubernetes Secrets to .secrets/secrets.yaml for scripts/apply.sh. Existing files are kept,
 * so a second run changes nothing. The catalog names them (`catalog.secrets`): the PostgreSQL admin's
 * (password), one per service with a database (username, password, database, url), one per service
 * that publishes or consumes events (username, password), and one for the service that signs its own
 * gateway tokens (loadgen-jwt: its private key; the public half is .secrets/loadgen-jwks.json), and
 * one for each identity provider in the shop (identity-jwt; .secrets/identity-jwks.json).
 * The users' issuer key that `make token` signs with (.secrets/dev-jwt.json) never becomes a
 * Secret: only its public half (.secrets/jwks.json) enters the cluster. The ingress gateway's HTTPS
 * certificate for localhost (.secrets/gateway-tls.json, a `kubernetes.io/tls` Secret named
 * `ingress.tls.credentialName` in the gateway's namespace) is signed by a CA made here once
 * (.secrets/gateway-ca.pem, the file clients trust; scripts/gateway-tls.ts).
 */
import { createHash, generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import {
  catalog,
  databaseOwnerRole,
  databaseOwnerSecretName,
  databaseSecretName,
  gatewayTokenSigner,
  jwtSecretName,
  natsSecretName,
  type Catalog,
} from '@mesh-kit/catalog';
import { brokerUsers } from '../infra/cdk8s/src/broker-permissions.js';
import { defaultJwksFile } from '../infra/cdk8s/src/jwks.js';
import { PART_OF } from '../infra/cdk8s/src/mesh-names.js';
import { generateGatewayTls } from './gateway-tls.js';
import { DEV_KEY_FILE } from './token.js';

export type SecretData = Readonly<Record<string, string>>;

export interface SigningKeys {
  readonly privatePem: string;
  readonly jwks: { readonly keys: readonly JsonWebKey[] };
}

const password = (): string => randomBytes(24).toString('hex');
/**
 * A broker user's password. nats-server parses an environment value it substitutes into its config
 * as a config value, and one that starts with a digit as a number (nats-io/nats-server#3431): the
 * server would not start. A leading letter keeps it a string.
 */
export const brokerPassword = (): string => `n${password()}`;

/** RFC 7638 thumbprint of an RSA public JWK: a stable kid. */
export function thumbprint(jwk: JsonWebKey): string {
  const canonical = JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
  return createHash('sha256').update(canonical).digest('base64url');
}

export function generateSigningKeys(): SigningKeys {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    jwks: { keys: [{ ...jwk, kid: thumbprint(jwk), alg: 'RS256', use: 'sig' }] },
  };
}

/**
 * The database credentials of one service; the url, on the catalog's PostgreSQL Service in the
 * same namespace, is what the service gets as DATABASE_URL.
 */
export function databaseSecret(role: string, database: string, pass: string, source: Catalog = catalog): SecretData {
  const { name, port } = source.postgres;
  return {
    username: role,
    password: pass,
    database,
    url: `postgres://${role}:${pass}@${name}:${port}/${database}`,
  };
}

/** The Secret objects for the namespace, from the generated values (sorted by name). */
export function secretManifests(namespace: string, secrets: ReadonlyMap<string, SecretData>): string {
  const names = [...secrets.keys()].sort();
  return names
    .map((name) => {
      const data = Object.fromEntries(
        Object.entries(secrets.get(name) ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
      );
      return stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace, labels: PART_OF },
        type: 'Opaque',
        data,
      });
    })
    .join('---\n');
}

/** The CA certificate clients trust for the gateway's local certificate. */
export const GATEWAY_CA_FILE = 'gateway-ca.pem';
/** The gateway's certificate and key (`tls.crt`, `tls.key`). */
export const GATEWAY_TLS_FILE = 'gateway-tls.json';

/**
 * The gateway's TLS Secret data under `dir`, made with its CA when either file is missing (both are
 * made anew then: a certificate is only as good as the CA a client already trusts).
 */
export async function ensureGatewayTls(dir: string, source: Catalog = catalog): Promise<SecretData> {
  const certFile = join(dir, GATEWAY_TLS_FILE);
  const caFile = join(dir, GATEWAY_CA_FILE);
  if (existsSync(certFile) && existsSync(caFile)) return JSON.parse(readFileSync(certFile, 'utf8')) as SecretData;
  const tls = await generateGatewayTls({ hosts: source.ingress.tls.localHosts });
  const data = { 'tls.crt': tls.certPem, 'tls.key': tls.keyPem };
  writeFileSync(certFile, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  writeFileSync(caFile, tls.caPem, { mode: 0o644 });
  return data;
}

/**
 * The gateway's TLS Secret: type `kubernetes.io/tls` with `tls.crt` and `tls.key` only (Istio reads a
 * `ca.crt` beside them as a demand for client certificates), in the gateway's namespace.
 */
export function gatewayTlsManifest(data: SecretData, source: Catalog = catalog): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: source.ingress.tls.credentialName, namespace: source.ingress.namespace, labels: PART_OF },
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': Buffer.from(data['tls.crt'] ?? '').toString('base64'),
      'tls.key': Buffer.from(data['tls.key'] ?? '').toString('base64'),
    },
  });
}

function readOrCreate(file: string, create: () => SecretData): SecretData {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as SecretData;
  const value = create();
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  return value;
}

/** A signing key pair: the public JWKS and the private key, made together or not at all. */
function ensureKeyPair(jwksFile: string, keyFile: string, source: Catalog): void {
  if (existsSync(jwksFile) !== existsSync(keyFile)) {
    const missing = existsSync(jwksFile) ? keyFile : jwksFile;
    throw new Error(
      `${missing} is missing but its pair exists: delete both ${jwksFile} and ${keyFile} to make a new key`,
    );
  }
  if (existsSync(keyFile)) return;
  const keys = generateSigningKeys();
  writeFileSync(jwksFile, `${JSON.stringify(keys.jwks, null, 2)}\n`, { mode: 0o644 });
  writeFileSync(keyFile, `${JSON.stringify({ [source.secrets.jwtPrivateKey]: keys.privatePem }, null, 2)}\n`, {
    mode: 0o600,
  });
}

/** Creates whatever is missing under `dir`; returns the secrets by name (what goes into the cluster). */
export function ensureSecrets(dir: string, source: Catalog = catalog): Map<string, SecretData> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const secrets = new Map<string, SecretData>();
  const admin = source.secrets.postgresAdmin;
  secrets.set(
    admin,
    readOrCreate(join(dir, `${admin}.json`), () => ({ password: password() })),
  );
  for (const service of source.services) {
    if (service.database === undefined) continue;
    const database = service.database;
    // The runtime role (named after the service) and the owner that runs the migrations.
    for (const [name, role] of [
      [databaseSecretName(service.name, source), service.name],
      [databaseOwnerSecretName(service.name, source), databaseOwnerRole(service.name)],
    ] as const) {
      secrets.set(
        name,
        readOrCreate(join(dir, `${name}.json`), () => databaseSecret(role, database, password(), source)),
      );
    }
  }

  // The services', the streams' bootstrap's and the operator's (docs/operations.md, "Broker").
  for (const { user } of brokerUsers(source)) {
    const name = natsSecretName(user, source);
    secrets.set(
      name,
      readOrCreate(join(dir, `${name}.json`), () => ({ username: user, password: brokerPassword() })),
    );
  }

  const signer = gatewayTokenSigner(source);
  const signerKey = join(dir, `${jwtSecretName(signer, source)}.json`);
  const usersJwks = join(dir, 'jwks.json');
  const usersKey = join(dir, DEV_KEY_FILE);
  if (existsSync(usersJwks) && existsSync(signerKey) && !existsSync(usersKey)) {
    throw new Error(
      `${usersJwks} belongs to ${signer}'s key of an earlier layout: delete ${usersJwks} and ${signerKey} to make the users' and ${signer}'s key pairs`,
    );
  }
  ensureKeyPair(usersJwks, usersKey, source);
  ensureKeyPair(join(dir, `${signer}-jwks.json`), signerKey, source);
  secrets.set(jwtSecretName(signer, source), JSON.parse(readFileSync(signerKey, 'utf8')) as SecretData);
  // An identity provider in the shop signs with its own key pair; the gateway trusts the public half.
  for (const issuer of source.ingress.jwt.issuers) {
    if (issuer.service === undefined) continue;
    const name = jwtSecretName(issuer.service, source);
    const keyFile = join(dir, `${name}.json`);
    ensureKeyPair(join(dir, defaultJwksFile(issuer.id).replace(/^\.secrets\//, '')), keyFile, source);
    secrets.set(name, JSON.parse(readFileSync(keyFile, 'utf8')) as SecretData);
  }
  return secrets;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = resolve(process.argv[2] ?? '.secrets');
  const secrets = ensureSecrets(dir);
  const tls = await ensureGatewayTls(dir);
  const out = join(dir, 'secrets.yaml');
  writeFileSync(out, `${secretManifests(catalog.namespace, secrets)}---\n${gatewayTlsManifest(tls)}`, { mode: 0o600 });
  console.log(
    `${[...secrets.keys()].sort().join(', ')}, ${catalog.ingress.namespace}/${catalog.ingress.tls.credentialName} → ${out}`,
  );
  console.log(`the gateway's CA for https://localhost: ${join(dir, GATEWAY_CA_FILE)}`);
}
