import { generateKeyPairSync } from 'node:crypto';
import { TokenSigner } from '@mesh-kit/loadgen/token-signer';
import { evaluateJwt } from '../evaluate.js';
import { ingress } from '../expectations.js';
import type { Check } from './check.js';

/** No token and a token signed by a key the gateway does not know are refused; loadgen's key is accepted. */
export const jwtCheck: Check = {
  id: 'jwt',
  title: 'no JWT → 401 at the gateway',
  async run(ctx) {
    const gateway = await ctx.gateway();
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const forged = await new TokenSigner({
      privateKeyPem: stranger.export({ type: 'pkcs8', format: 'pem' }).toString(),
      issuer: ingress().issuer,
      audience: ingress().audience,
    }).sign('someone');
    const path = '/api/stats';
    return evaluateJwt({
      noToken: (await gateway.send('GET', path)).status,
      forged: (await gateway.send('GET', path, { token: forged })).status,
      valid: (await gateway.send('GET', path, { token: await gateway.token() })).status,
    });
  },
};
