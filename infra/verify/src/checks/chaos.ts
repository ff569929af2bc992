import { skip } from '../check-result.js';
import { clientIntervalMs } from '../client-load.js';
import { ClientPacer } from '../client-pacer.js';
import { evaluateScenario } from '../evaluate-traffic.js';
import { deployedCatalog, sample } from '../traffic-state.js';
import { activeScenario } from '../../../cdk8s/src/traffic-plan.js';
import type { Check } from './check.js';
import { runEjection } from './ejection.js';

/** Enough orders that 97 % is a statement; few overviews, since each waits out a fault. */
const ORDERS = 60;
const READS = 10;
/** Scheduling jitter and the port-forward, on top of the route timeout. */
const SLACK_MS = 500;

/** The scenario `make chaos` switched on, under load, against the outcome the catalog states for it. */
export const chaosCheck: Check = {
  id: 'chaos',
  title: 'chaos scenario → the outcome the catalog states',
  async run(ctx) {
    const scenario = activeScenario(deployedCatalog());
    if (scenario === undefined) return skip('no fault scenario is on (make chaos SCENARIO=<name>)');
    ctx.log(`${scenario.name}: ${scenario.description}`);
    const outcome = scenario.outcome;
    if (outcome.kind === 'ejection') {
      const spec = ctx.catalog.services.find((s) => s.name === scenario.mechanism.service);
      if (spec === undefined) throw new Error(`no service named ${scenario.mechanism.service}`);
      const result = await runEjection(ctx, spec, outcome);
      return { ...result, detail: `${scenario.name}: ${result.detail}` };
    }
    const gateway = await ctx.gateway();
    const user = await gateway.newUser();
    // One client: paced under the gateway's per-client rate, so no answer is a 429.
    const pacer = new ClientPacer(clientIntervalMs(ctx.catalog));
    const samples =
      outcome.kind === 'success-rate' && outcome.method === 'POST'
        ? await sample(ORDERS, () => gateway.placeOrder(user.token), pacer)
        : await sample(
            outcome.kind === 'success-rate' ? ORDERS : READS,
            () => gateway.send('GET', outcome.path, { token: user.token }),
            pacer,
          );
    const result = evaluateScenario(outcome, samples, SLACK_MS);
    return { ...result, detail: `${scenario.name}: ${result.detail}` };
  },
};
