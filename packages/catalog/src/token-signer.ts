import { createPrivateKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';

export interface TokenSignerOptions {
  /** PEM private key, PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`). */
  readonly privateKeyPem: string;
  readonly issuer: string;
  readonly audience: string;
  /**
   * How long each token is valid.
   * @default 600 seconds
   */
  readonly lifetimeSeconds?: number;
  /**
   * Every subject must start with it; {@link TokenSigner.sign} refuses any other (the gateway would
   * deny such a token for this issuer anyway: docs/security.md, "Tokens and identity").
   * @default none: any subject
   */
  readonly subjectPrefix?: string;
}

/**
 * Signs the RS256 JWTs the ingress gateway's RequestAuthentication accepts. No `kid` header:
 * Envoy then tries every key in the JWKS, so the token verifies whatever key id `make secrets`
 * chose.
 */
export class TokenSigner {
  private readonly key: KeyObject;
  private readonly issuer: string;
  private readonly audience: string;
  private readonly lifetimeSeconds: number;
  private readonly subjectPrefix: string;

  constructor(options: TokenSignerOptions) {
    let key: KeyObject;
    try {
      key = createPrivateKey(options.privateKeyPem);
    } catch (error) {
      throw new Error('JWT signing key: not a readable PEM private key', { cause: error });
    }
    if (key.asymmetricKeyType !== 'rsa') {
      throw new Error(`JWT signing key: RS256 needs an RSA key, got '${key.asymmetricKeyType ?? 'unknown'}'`);
    }
    this.key = key;
    this.issuer = options.issuer;
    this.audience = options.audience;
    this.lifetimeSeconds = options.lifetimeSeconds ?? 600;
    this.subjectPrefix = options.subjectPrefix ?? '';
  }

  /** A subject this signer may sign for: the prefix and `suffix`. */
  subject(suffix: string): string {
    return `${this.subjectPrefix}${suffix}`;
  }

  /** A token whose `sub` the gateway copies into `x-user-id`. */
  sign(subject: string): Promise<string> {
    if (!subject.startsWith(this.subjectPrefix) || subject.length === this.subjectPrefix.length) {
      throw new Error(`token subject '${subject}' does not start with '${this.subjectPrefix}' (JWT_SUBJECT_PREFIX)`);
    }
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setSubject(subject)
      .setIssuedAt(now)
      .setExpirationTime(now + this.lifetimeSeconds)
      .sign(this.key);
  }
}
