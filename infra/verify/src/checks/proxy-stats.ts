import type { V1Pod } from '@kubernetes/client-node';
import type { VerifyContext } from '../context.js';
import { parseEnvoyStats, statDelta, type EnvoyStats } from '../envoy-stats.js';

/** Envoy stats of each pod's istio-proxy, by pod name. */
export async function snapshotStats(ctx: VerifyContext, pods: readonly V1Pod[]): Promise<Map<string, EnvoyStats>> {
  const entries = await Promise.all(
    pods.map(async (pod) => {
      const name = pod.metadata?.name ?? '';
      return [name, parseEnvoyStats(await ctx.cluster.proxyAdmin(ctx.namespace, name, 'stats'))] as const;
    }),
  );
  return new Map(entries);
}

/** A cluster counter's growth summed over pods; undefined when no pod records it. */
export function summedDelta(
  before: ReadonlyMap<string, EnvoyStats>,
  after: ReadonlyMap<string, EnvoyStats>,
  cluster: string,
  stat: string,
): number | undefined {
  let total: number | undefined;
  for (const [pod, end] of after) {
    const delta = statDelta(before.get(pod) ?? new Map(), end, cluster, stat);
    if (delta !== undefined) total = (total ?? 0) + delta;
  }
  return total;
}
