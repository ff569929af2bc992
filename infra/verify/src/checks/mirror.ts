import { parseAccessLog } from '../access-log.js';
import { clientIntervalMs } from '../client-load.js';
import { ClientPacer } from '../client-pacer.js';
import { skip } from '../check-result.js';
import { evaluateMirror } from '../evaluate-traffic.js';
import { deployedCatalog, publicGetPath, sample } from '../traffic-state.js';
import { routingOf } from '../../../cdk8s/src/traffic-plan.js';
import { V2 } from '@mesh-kit/catalog/traffic';
import type { Check } from './check.js';

const REQUESTS = 100;

/** While a mirror runs (make mirror) at weight 0: v2 receives the mirrored share, and no client sees its answers. */
export const mirrorCheck: Check = {
  id: 'mirror',
  title: 'mirror → copies reach v2, clients never see v2',
  async run(ctx) {
    const source = deployedCatalog();
    const spec = source.services.find((s) => routingOf(source, s).mirrorPercent !== undefined);
    if (spec === undefined) return skip('no mirror runs (make mirror SERVICE=<name> PERCENT=<n>)');
    const routing = routingOf(source, spec);
    if (routing.release?.stage !== 'canary' || routing.release.weightPercent !== 0) {
      return skip(`${spec.name}'s v2 also takes real traffic; run the mirror at WEIGHT=0 to tell copies apart`);
    }
    const path = publicGetPath(spec);
    if (path === undefined) return skip(`${spec.name} has no public GET route without parameters to sample`);
    const gateway = await ctx.gateway();
    const user = await gateway.newUser();
    const started = Date.now();
    // One client: paced under the gateway's per-client rate, so no answer is a 429.
    const sent = await sample(
      REQUESTS,
      () => gateway.send('GET', path.publicPath, { token: user.token }),
      new ClientPacer(clientIntervalMs(ctx.catalog)),
    );
    const since = Math.ceil((Date.now() - started) / 1000) + 2;
    let arrivedAtV2 = 0;
    for (const pod of await ctx.cluster.pods(ctx.namespace, `app=${spec.name},version=${V2}`)) {
      const log = parseAccessLog(await ctx.cluster.proxyLog(ctx.namespace, pod.metadata?.name ?? '', since));
      arrivedAtV2 += log.filter((e) => e.method === 'GET' && e.path.split('?')[0] === path.servicePath).length;
    }
    return evaluateMirror({ percent: routing.mirrorPercent!, sent, arrivedAtV2 });
  },
};
