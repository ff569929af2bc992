import { skip } from '../check-result.js';
import { clientIntervalMs } from '../client-load.js';
import { ClientPacer } from '../client-pacer.js';
import { evaluateCanary } from '../evaluate-traffic.js';
import { deployedCatalog, publicGetPath, sample } from '../traffic-state.js';
import { releaseOf } from '../../../cdk8s/src/traffic-plan.js';
import { CANARY_HEADER } from '@mesh-kit/catalog/traffic';
import type { Check } from './check.js';

const PINNED = 20;
const UNPINNED = 100;

/** While a canary runs (make canary): `x-canary: always` reaches v2, and the rest split by the weight. */
export const canaryCheck: Check = {
  id: 'canary',
  title: 'canary → x-canary pins v2, the rest split by weight',
  async run(ctx) {
    const source = deployedCatalog();
    const spec = source.services.find((s) => releaseOf(source, s)?.stage === 'canary');
    const release = spec === undefined ? undefined : releaseOf(source, spec);
    if (spec === undefined || release?.stage !== 'canary') {
      return skip('no canary runs (make canary SERVICE=<name> WEIGHT=<0-100>)');
    }
    const path = publicGetPath(spec);
    if (path === undefined) return skip(`${spec.name} has no public GET route without parameters to sample`);
    const gateway = await ctx.gateway();
    const user = await gateway.newUser();
    // One client: paced under the gateway's per-client rate, so no answer is a 429.
    const pacer = new ClientPacer(clientIntervalMs(ctx.catalog));
    const pinned = await sample(
      PINNED,
      () =>
        gateway.send('GET', path.publicPath, {
          token: user.token,
          headers: { [CANARY_HEADER.name]: CANARY_HEADER.value },
        }),
      pacer,
    );
    const unpinned = await sample(UNPINNED, () => gateway.send('GET', path.publicPath, { token: user.token }), pacer);
    return evaluateCanary(release.weightPercent, pinned, unpinned);
  },
};
