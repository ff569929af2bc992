import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeGateway, type FakeGateway } from './fake-gateway.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
let gateway: FakeGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

const tokenExpiredFor = (seconds: number): Promise<string> => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: 'alice' })
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer('mesh-kit')
    .setAudience('shop')
    .setIssuedAt(now - 600)
    .setExpirationTime(now - seconds)
    .sign(privateKey);
};

describe('the stand-in gateway checks tokens as Envoy jwt_authn does under Istio 1.30.3', () => {
  it('allows 60 s of clock skew on exp (clock_skew_seconds unset), not more', async () => {
    gateway = await startFakeGateway({ publicKey });
    const status = async (token: string): Promise<number> =>
      (await fetch(`${gateway!.url}/api/overview`, { headers: { authorization: `Bearer ${token}` } })).status;
    expect(await status(await tokenExpiredFor(30))).toBe(200);
    expect(await status(await tokenExpiredFor(90))).toBe(401);
  });
});
