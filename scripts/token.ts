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
import { catalog, type Catalog } from '@mesh-kit/catalog';
import { TokenSigner } from '@mesh-kit/catalog/token-signer';

/** The users' issuer private key under the secrets directory: `make secrets` writes it, no Secret holds it. */
export const DEV_KEY_FILE = 'dev-jwt.json';

/** A signer for the users' issuer (the catalog's first) with the private key `make secrets` wrote into `dir`. */
export function devTokenSigner(dir: string, lifetimeSeconds = 3600, source: Catalog = catalog): TokenSigner {
  const keyFile = join(dir, DEV_KEY_FILE);
  let privateKeyPem: string | undefined;
  try {
    privateKeyPem = (JSON.parse(readFileSync(keyFile, 'utf8')) as Record<string, string>)[source.secrets.jwtPrivateKey];
  } catch {
    privateKeyPem = undefined;
  }
  if (privateKeyPem === undefined) throw new Error(`cannot read ${keyFile}: run \`make secrets\` first`);
  const users = source.ingress.jwt.issuers[0];
  if (users === undefined) throw new Error('the catalog declares no JWT issuer (ingress.jwt.issuers)');
  return new TokenSigner({ privateKeyPem, issuer: users.issuer, audience: users.audiences[0] ?? '', lifetimeSeconds });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const signer = devTokenSigner(resolve(process.env['SECRETS_DIR'] ?? '.secrets'));
    const given = process.env['SUB'] ?? '';
    const subject = given === '' ? randomUUID() : given;
    // stderr, so `$(make -s token)` still captures the token alone.
    console.error(
      `token for sub ${subject}${given === '' ? ' (a random one: SUB=<user id> names it)' : ''}, valid 1 h`,
    );
    console.log(await signer.sign(subject));
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    process.exit(1);
  }
}
