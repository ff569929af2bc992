import { generateKeyPairSync } from 'node:crypto';
import { TokenSigner } from '@mesh-kit/catalog/token-signer';
import { evaluateJwt } from '../evaluate.js';
import { ingress } from '../expectations.js';
import type { Check } from './check.js';

/**
 * No token (401 problem+json from the gateway), a token signed by a key the gateway does not know
 * (401) and Basic credentials (refused) are kept out; loadgen's key is accepted.
 */
export const jwtCheck: Check = {
  id: 'jwt',
  title: 'no JWT → 401 at the gateway',
  async run(ctx) {
    const gateway = await ctx.gateway();
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const forged = await new TokenSigner({
      privateKeyPem: stranger.export({ type: 'pkcs8', format: 'pem' }).toString(),
      issuer: ingress(ctx.catalog).issuer,
      audience: ingress(ctx.catalog).audience,
    }).sign('someone');
    // A JWT route (/api/stats takes an API key and answers through apikeys instead).
    const path = '/api/orders';
    const noToken = await gateway.send('GET', path);
    return evaluateJwt({
      noToken: { status: noToken.status, headers: noToken.headers },
      forged: (await gateway.send('GET', path, { token: forged })).status,
      basic: (await gateway.send('GET', path, { headers: { authorization: 'Basic dmVyaWZ5OnZlcmlmeQ==' } })).status,
      valid: (await gateway.send('GET', path, { token: await gateway.token() })).status,
    });
  },
};
