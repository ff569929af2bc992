/**
 * `make token`: prints a development JWT signed with the kit's key (.secrets/loadgen-jwt.json) that
 * the ingress gateway accepts: issuer mesh-kit, audience shop, RS256, `sub` = the user id.
 *   curl -H "Authorization: Bearer $(make -s token SUB=<user id>)" http://localhost:8080/api/overview
 */
import { createPrivateKey, randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ISSUER = 'mesh-kit';
export const AUDIENCE = 'shop';

export interface TokenOptions {
  readonly privatePem: string;
  readonly subject: string;
  /** @default the key's kid from .secrets/jwks.json when known */
  readonly kid?: string;
  /** @default 3600 */
  readonly lifetimeSeconds?: number;
  /** @default now */
  readonly now?: Date;
}

const segment = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export function signToken(options: TokenOptions): string {
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', ...(options.kid === undefined ? {} : { kid: options.kid }) };
  const claims = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: options.subject,
    iat,
    exp: iat + (options.lifetimeSeconds ?? 3600),
  };
  const input = `${segment(header)}.${segment(claims)}`;
  const signature = sign('sha256', Buffer.from(input), createPrivateKey(options.privatePem)).toString('base64url');
  return `${input}.${signature}`;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = resolve(process.env['SECRETS_DIR'] ?? '.secrets');
  const keyFile = `${dir}/loadgen-jwt.json`;
  let privatePem: string;
  let kid: string | undefined;
  try {
    privatePem = (JSON.parse(readFileSync(keyFile, 'utf8')) as Record<string, string>)['private.pem'] ?? '';
    kid = (JSON.parse(readFileSync(`${dir}/jwks.json`, 'utf8')) as { keys: { kid?: string }[] }).keys[0]?.kid;
  } catch {
    console.error(`error: cannot read ${keyFile}: run \`make secrets\` first`);
    process.exit(1);
  }
  const subject = process.env['SUB'] || randomUUID();
  console.log(signToken({ privatePem, subject, ...(kid === undefined ? {} : { kid }) }));
}
