import { randomUUID } from 'node:crypto';
import { USER_ID_HEADER } from '@mesh-kit/runtime';
import { evaluateIdentity } from '../evaluate.js';
import type { Check } from './check.js';

/**
 * A valid token for one user plus a client-supplied identity header naming another: storefront's
 * overview must be the token's user. Creates one user; changes nothing else.
 */
export const identityCheck: Check = {
  id: 'identity',
  title: "the identity header is the JWT's sub, never the client's",
  async run(ctx) {
    const gateway = await ctx.gateway();
    const user = await gateway.newUser();
    const spoofed = randomUUID();
    const answer = await gateway.send('GET', '/api/overview', {
      token: user.token,
      headers: { [USER_ID_HEADER]: spoofed },
    });
    const seenUserId = (answer.body as { user?: { id?: unknown } | null } | undefined)?.user?.id;
    return evaluateIdentity({ subject: user.id, spoofed, status: answer.status, seenUserId });
  },
};
