/**
 * @models istio-proxy's access log, Envoy's admin /stats and /clusters text, and Jaeger's query API (fixtures/)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAccessLog, parseAccessLogLine } from '../src/access-log.js';
import { clusterStat, outboundCluster, parseClusterHosts, parseEnvoyStats, statDelta } from '../src/envoy-stats.js';
import { parseJaegerResponse, traceServices, type JaegerTrace } from '../src/jaeger.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const payments = outboundCluster('payments', 'shop', 3002);

describe('Envoy /stats text', () => {
  const stats = parseEnvoyStats(fixture('orders-proxy-stats.txt'));

  it('reads counters by cluster and skips histogram summaries', () => {
    expect(payments).toBe('outbound|3002||payments.shop.svc.cluster.local');
    expect(clusterStat(stats, payments, 'upstream_rq_retry')).toBe(12);
    expect(clusterStat(stats, payments, 'outlier_detection.ejections_enforced_total')).toBe(3);
    expect(clusterStat(stats, payments, 'upstream_rq_time')).toBeUndefined();
    expect(stats.get('http.inbound_0.0.0.0_3003.rbac.allowed')).toBe(130);
  });

  it('computes deltas, and tells "not recorded" apart from zero', () => {
    const before = parseEnvoyStats('cluster.outbound|3002||payments.shop.svc.cluster.local.upstream_rq_retry: 5\n');
    expect(statDelta(before, stats, payments, 'upstream_rq_retry')).toBe(7);
    expect(statDelta(new Map(), stats, payments, 'upstream_rq_pending_overflow')).toBe(7);
    expect(statDelta(before, before, payments, 'upstream_rq_pending_overflow')).toBeUndefined();
  });
});

describe('Envoy /clusters text', () => {
  it('lists the endpoints of one cluster with their health flags', () => {
    expect(parseClusterHosts(fixture('orders-proxy-clusters.txt'), payments)).toEqual([
      { address: '10.244.0.17:3002', healthFlags: ['healthy'] },
      { address: '10.244.0.18:3002', healthFlags: ['healthy'] },
      { address: '10.244.0.31:3002', healthFlags: ['failed_outlier_check'] },
    ]);
    expect(parseClusterHosts(fixture('orders-proxy-clusters.txt'), outboundCluster('users', 'shop', 3001))[0]).toEqual({
      address: '10.244.0.31:3001',
      healthFlags: ['failed_active_hc', 'failed_outlier_check'],
    });
  });
});

describe('istio-proxy access logs', () => {
  it('reads TEXT and JSON entries and skips the proxy’s own log lines', () => {
    const entries = parseAccessLog(fixture('orders-proxy-access.log'));
    expect(entries.map((e) => `${e.status} ${e.flags.join(',') || '-'}`)).toEqual([
      '201 -',
      '503 UO',
      '503 UO',
      '504 UT',
      '503 UO',
      '200 -',
    ]);
    expect(entries[0]).toEqual({ method: 'POST', path: '/authorizations', status: 201, flags: [] });
    expect(parseAccessLogLine('2026-11-26T10:02:11Z info Envoy proxy is ready')).toBeUndefined();
    expect(parseAccessLogLine('{"level":"info","msg":"x"}')).toBeUndefined();
  });

  it('splits combined flags', () => {
    const line =
      '[2026-11-26T10:00:00.000Z] "GET /orders HTTP/1.1" 503 UF,URX upstream_reset - "-" 0 91 3 - "-" "node" "id" "orders:3003" "10.0.0.1:3003" outbound|3003||orders.shop.svc.cluster.local - - - - default';
    expect(parseAccessLogLine(line)?.flags).toEqual(['UF', 'URX']);
  });
});

describe('Jaeger query API JSON', () => {
  it('reads traces and names the services of their spans', () => {
    const traces = parseJaegerResponse<JaegerTrace[]>(fixture('jaeger-traces.json'), 'traces');
    expect(traces).toHaveLength(2);
    expect([...traceServices(traces[0] as JaegerTrace)].sort()).toEqual([
      'istio-ingressgateway.istio-system',
      'notifications',
      'orders.shop',
      'payments.shop',
    ]);
  });

  it('reports API errors and non-JSON answers by message', () => {
    expect(() =>
      parseJaegerResponse('{"data":null,"errors":[{"code":400,"msg":"service is required"}]}', 'traces'),
    ).toThrow('Jaeger traces: service is required');
    expect(() => parseJaegerResponse('<html>', 'services')).toThrow('Jaeger services: the answer is not JSON: <html>');
  });
});
