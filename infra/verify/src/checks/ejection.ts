import { parseAccessLog } from '../access-log.js';
import { clientIntervalMs } from '../client-load.js';
import { ClientPacer } from '../client-pacer.js';
import type { CheckResult } from '../check-result.js';
import type { VerifyContext } from '../context.js';
import { type Sample, evaluateEjection } from '../evaluate-traffic.js';
import { breakerLimits } from '../expectations.js';
import { sample } from '../traffic-state.js';
import type { ServiceSpec } from '@mesh-kit/catalog';
import { FAULTY, type ScenarioOutcome } from '@mesh-kit/catalog/traffic';

/** Orders after the first interval: few enough to finish well inside the ejection time. */
const AFTER = 60;
/** Pods becoming ready and the endpoint reaching the callers' proxies over xDS, on top of the interval. */
const SLACK_MS = 3_000;

const routePattern = (path: string): RegExp => new RegExp(`^${path.replace(/:[^/]+/g, '[^/]+')}$`);

/** Requests for `spec`'s routes in the inbound access logs of its faulty pods since `sinceSeconds` ago. */
async function faultyArrivals(ctx: VerifyContext, spec: ServiceSpec, sinceSeconds: number): Promise<number> {
  const routes = spec.routes.map((r) => ({ method: r.method, path: routePattern(r.path) }));
  let count = 0;
  for (const pod of await ctx.cluster.pods(ctx.namespace, `app=${spec.name},version=${FAULTY}`)) {
    const log = parseAccessLog(await ctx.cluster.proxyLog(ctx.namespace, pod.metadata?.name ?? '', sinceSeconds));
    count += log.filter((e) => routes.some((r) => r.method === e.method && r.path.test(e.path.split('?')[0]!))).length;
  }
  return count;
}

/**
 * The faulty-replica scenario under load: orders for one outlier-detection interval (plus slack),
 * then a second batch; the faulty pod's access log is read after each, so the second count is
 * what reached it once the interval had passed.
 */
export async function runEjection(
  ctx: VerifyContext,
  spec: ServiceSpec,
  outcome: Extract<ScenarioOutcome, { kind: 'ejection' }>,
): Promise<CheckResult> {
  const outlier = breakerLimits(spec.name, ctx.catalog).outlierDetection;
  if (outlier === undefined) throw new Error(`the catalog declares no outlier detection for ${spec.name}`);
  const callerApps = ctx.catalog.services.filter((s) => s.calls.some((c) => c.service === spec.name));
  let callers = 0;
  for (const app of callerApps) callers += (await ctx.cluster.readyPods(ctx.namespace, app.name)).length;
  const gateway = await ctx.gateway();
  const user = await gateway.newUser();
  const send = (): ReturnType<typeof gateway.send> =>
    outcome.method === 'POST' && outcome.path === '/api/orders'
      ? gateway.placeOrder(user.token)
      : gateway.send(outcome.method, outcome.path, { token: user.token });
  // One client: paced under the gateway's per-client rate, so no answer is a 429.
  const pacer = new ClientPacer(clientIntervalMs(ctx.catalog));
  const started = Date.now();
  const during: Sample[] = [];
  while (Date.now() - started < outlier.intervalMs + SLACK_MS) during.push(...(await sample(1, send, pacer)));
  const sinceStart = (): number => Math.ceil((Date.now() - started) / 1000) + 2;
  const faultyDuring = await faultyArrivals(ctx, spec, sinceStart());
  const afterStarted = Date.now();
  const after: Sample[] = [];
  // Stop short of the ejection time: a re-admitted pod would take requests again, by design.
  while (after.length < AFTER && Date.now() - afterStarted < outlier.baseEjectionTimeMs / 2) {
    after.push(...(await sample(1, send, pacer)));
  }
  const afterMs = Date.now() - afterStarted;
  const faultyAfter = (await faultyArrivals(ctx, spec, sinceStart())) - faultyDuring;
  return evaluateEjection(outcome, { outlier, callers, during, after, afterMs, faultyDuring, faultyAfter });
}
