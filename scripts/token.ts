/**
 * `make token`: prints a development JWT that the ingress gateway accepts, signed with the users'
 * issuer key (.secrets/dev-jwt.json, which never enters the cluster) by loadgen's signer: the
 * catalog's first issuer and its first audience, RS256, `sub` = SUB or a random id, valid for an hour.
 *   curl -H "Authorization: Bearer $(make -s token SUB=<user id>)" http://localhost:8080/api/overview
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalog } from '../infra/cdk8s/src/catalog.js';
import { TokenSigner } from '../services/loadgen/src/token-signer.js';

const users = catalog.ingress.jwt.issuers[0]!;
export const ISSUER = users.issuer;
export const AUDIENCE = users.audiences[0]!;

/** A signer for the private key `make secrets` wrote into `dir`. */
export function devTokenSigner(dir: string, lifetimeSeconds = 3600): TokenSigner {
  const keyFile = join(dir, 'dev-jwt.json');
  let privateKeyPem: string | undefined;
  try {
    privateKeyPem = (JSON.parse(readFileSync(keyFile, 'utf8')) as Record<string, string>)['private.pem'];
  } catch {
    privateKeyPem = undefined;
  }
  if (privateKeyPem === undefined) throw new Error(`cannot read ${keyFile}: run \`make secrets\` first`);
  return new TokenSigner({ privateKeyPem, issuer: ISSUER, audience: AUDIENCE, lifetimeSeconds });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const signer = devTokenSigner(resolve(process.env['SECRETS_DIR'] ?? '.secrets'));
    console.log(await signer.sign(process.env['SUB'] || randomUUID()));
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    process.exit(1);
  }
}
