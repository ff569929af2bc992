/**
 * Envoy's admin `/stats` text (what `pilot-agent request GET stats` prints): one `name: value`
 * per line. Counters and gauges become numbers; histogram summaries (`P0(…) P25(…)`) are skipped.
 * Istio records only a few stats unless the pod or mesh config widens `proxyStatsMatcher`, so a
 * missing name means "not recorded", not zero.
 */
export type EnvoyStats = ReadonlyMap<string, number>;

export function parseEnvoyStats(text: string): EnvoyStats {
  const stats = new Map<string, number>();
  for (const line of text.split('\n')) {
    const at = line.lastIndexOf(': ');
    if (at <= 0) continue;
    const value = line.slice(at + 2).trim();
    if (!/^\d+$/.test(value)) continue;
    stats.set(line.slice(0, at).trim(), Number(value));
  }
  return stats;
}

/** The name Istio gives the outbound cluster of a Service port: `outbound|3002||payments.shop.svc.cluster.local`. */
export function outboundCluster(service: string, namespace: string, port: number): string {
  return `outbound|${port}||${service}.${namespace}.svc.cluster.local`;
}

/** A cluster counter such as `upstream_rq_retry` or `outlier_detection.ejections_enforced_total`. */
export function clusterStat(stats: EnvoyStats, cluster: string, name: string): number | undefined {
  return stats.get(`cluster.${cluster}.${name}`);
}

/** How much a counter grew between two snapshots; undefined when the proxy does not record it. */
export function statDelta(before: EnvoyStats, after: EnvoyStats, cluster: string, name: string): number | undefined {
  const end = clusterStat(after, cluster, name);
  if (end === undefined) return undefined;
  return end - (clusterStat(before, cluster, name) ?? 0);
}

export interface ClusterHost {
  /** `ip:port` of the endpoint. */
  readonly address: string;
  /** Envoy health flags: `healthy`, or e.g. `failed_outlier_check`, `failed_active_hc`. */
  readonly healthFlags: readonly string[];
}

/**
 * The endpoints of one cluster from Envoy's admin `/clusters` text, whose lines read
 * `<cluster>::<ip:port>::health_flags::/failed_outlier_check`. `/clusters` is not filtered by
 * the stats matcher, so ejections are visible here on any Istio install.
 */
export function parseClusterHosts(text: string, cluster: string): ClusterHost[] {
  const hosts: ClusterHost[] = [];
  for (const line of text.split('\n')) {
    const parts = line.trim().split('::');
    if (parts.length !== 4 || parts[0] !== cluster || parts[2] !== 'health_flags') continue;
    const flags = (parts[3] ?? '').split('/').filter((flag) => flag !== '');
    hosts.push({ address: parts[1] ?? '', healthFlags: flags });
  }
  return hosts;
}
