/**
 * `make token`: prints a development JWT that the ingress gateway accepts, signed with the kit's
 * key (.secrets/<signer>-jwt.json, see scripts/secrets.ts) by loadgen's own signer, with the issuer
 * and audience the catalog gives the gateway, RS256,
 * `sub` = SUB or a random id, valid for an hour.
 *   curl -H "Authorization: Bearer $(make -s token SUB=<user id>)" http://localhost:8080/api/overview
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalog, gatewayTokenSigner, jwtSecretName, type Catalog } from '../infra/cdk8s/src/catalog.js';
import { TokenSigner } from '../services/loadgen/src/token-signer.js';

/** A signer for the private key `make secrets` wrote into `dir`. */
export function devTokenSigner(dir: string, lifetimeSeconds = 3600, source: Catalog = catalog): TokenSigner {
  const keyFile = join(dir, `${jwtSecretName(gatewayTokenSigner(source), source)}.json`);
  let privateKeyPem: string | undefined;
  try {
    privateKeyPem = (JSON.parse(readFileSync(keyFile, 'utf8')) as Record<string, string>)[source.secrets.jwtPrivateKey];
  } catch {
    privateKeyPem = undefined;
  }
  if (privateKeyPem === undefined) throw new Error(`cannot read ${keyFile}: run \`make secrets\` first`);
  const { issuer, audience } = source.ingress.jwt;
  return new TokenSigner({ privateKeyPem, issuer, audience, lifetimeSeconds });
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
