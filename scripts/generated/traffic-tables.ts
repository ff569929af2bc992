/**
 * docs/try-the-mesh.md's tables, from the catalog: the fault scenarios (`make chaos`) with their
 * mechanism and the outcome `make verify` checks, each service's autoscaling, and the load
 * verify's `scale-up` check plans from them.
 */
import type { Catalog } from '@mesh-kit/catalog';
import type { FaultMechanism, ScenarioOutcome } from '@mesh-kit/catalog/traffic';
import { perClientRatePerSecond, podCpuRequestMilli, scaleUpPlan } from '../../infra/verify/src/client-load.js';
import { duration } from './route-tables.js';

const env = (vars: Readonly<Record<string, string>>): string =>
  Object.entries(vars)
    .map(([k, v]) => `\`${k}=${v}\``)
    .join(' ');

function mechanism(m: FaultMechanism): string {
  switch (m.kind) {
    case 'env':
      return `env ${env(m.env)} on ${m.service} (no image change): real failures`;
    case 'faulty-replica':
      return `one extra Deployment \`${m.service}-faulty\` (label \`version: faulty\`, ${env(m.env)}) beside the healthy replicas, behind the same Service and DestinationRule`;
    case 'fault': {
      const what = [
        ...(m.abortStatus === undefined ? [] : [`\`fault.abort\` ${m.abortStatus}`]),
        ...(m.delayMs === undefined ? [] : [`\`fault.delay\` ${duration(m.delayMs)}`]),
      ].join(' and ');
      return `VirtualService ${what} on ${m.percent} % of every ${m.service} route (applied by its callers' sidecars)`;
    }
  }
}

function outcome(o: ScenarioOutcome): string {
  switch (o.kind) {
    case 'success-rate':
      return `≥ ${o.minPercent} % of \`${o.method} ${o.path}\` succeed`;
    case 'ejection':
      return `the faulty replica is ejected, and ≥ ${o.minPercent} % of \`${o.method} ${o.path}\` succeed`;
    case 'partial-answer':
      return `\`${o.path}\` answers 200 within ${duration(o.withinMs)} with \`"missing": ["${o.part}"]\``;
    case 'timeout':
      return `\`${o.path}\` answers ${o.status} within ${duration(o.withinMs)}`;
  }
}

export function renderScenarioTable(source: Catalog): string {
  return [
    '| scenario | mechanism | `make verify` checks | why |',
    '|---|---|---|---|',
    ...(source.scenarios ?? []).map(
      (s) => `| \`${s.name}\` | ${mechanism(s.mechanism)} | ${outcome(s.outcome)} | ${s.description} |`,
    ),
  ].join('\n');
}

export function renderAutoscalingTable(source: Catalog): string {
  const rows = source.services.map((s) =>
    s.autoscaling === undefined
      ? `| ${s.name} | ${s.replicas} (fixed: ${s.fixedReplicasReason ?? 'no reason given'}) | — | ${podCpuRequestMilli(s, source)}m |`
      : `| ${s.name} | ${s.autoscaling.minReplicas}–${s.autoscaling.maxReplicas} | ${s.autoscaling.cpuTargetPercent} % | ${podCpuRequestMilli(s, source)}m |`,
  );
  return [
    '| service | replicas | CPU target | CPU requested per pod (app + sidecar) |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** The load of verify's `scale-up` check on `service`, as `scaleUpPlan` computes it. */
export function renderScaleUpPlan(source: Catalog, service = 'orders'): string {
  const spec = source.services.find((s) => s.name === service);
  if (spec?.autoscaling === undefined) throw new Error(`${service} declares no autoscaling`);
  const plan = scaleUpPlan(spec, source);
  const a = spec.autoscaling;
  return (
    `For ${service} the load aims at twice the CPU the target allows at the minimum (${a.minReplicas} pods × ` +
    `${podCpuRequestMilli(spec, source)}m requested × ${a.cpuTargetPercent} %, at about 1 ms of CPU per read: ` +
    `${plan.totalPerSecond} requests/s), from ${plan.clients} clients of its own at ` +
    `${Math.round(plan.perClientPerSecond * 10) / 10}/s each, under the gateway's ` +
    `${perClientRatePerSecond(source)}/s per client.`
  );
}
