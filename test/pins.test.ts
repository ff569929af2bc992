import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { catalog } from '@mesh-kit/catalog';

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

/** versions.env as a map; every line must be a comment, blank, or KEY=value without quotes. */
function pins(): Map<string, string> {
  const map = new Map<string, string>();
  for (const [index, line] of read('versions.env').split('\n').entries()) {
    if (/^\s*(#|$)/.test(line)) continue;
    const match = /^([A-Z][A-Z0-9_a-z]*)=([^\s"'$]*)$/.exec(line);
    if (match === null) throw new Error(`versions.env line ${index + 1} is not KEY=value: ${line}`);
    map.set(match[1] ?? '', match[2] ?? '');
  }
  return map;
}

describe('versions.env', () => {
  const env = pins();

  it('pins kind v0.31.0, its node image by digest, Istio 1.30.3 and every tool to an exact version', () => {
    expect(env.get('KIND_VERSION')).toBe('v0.31.0');
    expect(env.get('KIND_NODE_IMAGE')).toMatch(/^kindest\/node:v1\.35\.0@sha256:[0-9a-f]{64}$/);
    expect(env.get('ISTIO_VERSION')).toBe('1.30.3');
    expect(env.get('KUBECTL_VERSION')).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(env.get('HELM_VERSION')).toMatch(/^v\d+\.\d+\.\d+$/);
  });

  it('has a well-formed or empty SHA-256 for each tool on each supported platform', () => {
    for (const tool of ['KIND', 'KUBECTL', 'HELM', 'ISTIO']) {
      for (const platform of ['linux_amd64', 'linux_arm64', 'darwin_amd64', 'darwin_arm64']) {
        const value = env.get(`${tool}_SHA256_${platform}`);
        expect(value, `${tool}_SHA256_${platform}`).toMatch(/^([0-9a-f]{64})?$/);
      }
    }
  });

  it('agrees with kind-config.yaml on the node image', () => {
    const config = parse(read('kind-config.yaml')) as { nodes: { image: string }[] };
    expect(config.nodes.map((node) => node.image)).toEqual([env.get('KIND_NODE_IMAGE')]);
  });

  it('names a version for every addon in mesh/istio/addons.txt', () => {
    const lines = read('mesh/istio/addons.txt')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'));
    expect(lines.map((line) => line.split(' ')[0])).toEqual([
      'prometheus.yaml',
      'jaeger.yaml',
      'kiali.yaml',
      'grafana.yaml',
    ]);
    for (const line of lines) expect(env.get(line.split(' ')[2] ?? '')).toMatch(/^v?\d+\.\d+/);
  });
});

describe('mesh/istio', () => {
  const operator = parse(read('mesh/istio/istio-operator.yaml')) as {
    spec: {
      components: { cni: { enabled: boolean } };
      values: { pilot: { cni: { enabled: boolean } } };
      meshConfig: {
        accessLogFile: string;
        outboundTrafficPolicy: { mode: string };
        defaultConfig: { holdApplicationUntilProxyStarts: boolean; proxyStatsMatcher: { inclusionRegexps: string[] } };
        extensionProviders: { name: string; zipkin?: { service: string; port: number } }[];
      };
    };
  };

  it('installs with CNI, access logs, REGISTRY_ONLY egress and the proxy started first', () => {
    const { components, meshConfig } = operator.spec;
    expect(components.cni.enabled).toBe(true);
    expect(operator.spec.values.pilot.cni.enabled).toBe(true);
    expect(meshConfig.accessLogFile).toBe('/dev/stdout');
    expect(meshConfig.outboundTrafficPolicy.mode).toBe('REGISTRY_ONLY');
    expect(meshConfig.defaultConfig.holdApplicationUntilProxyStarts).toBe(true);
  });

  it('keeps the Envoy stats make verify reads for retries, the breaker and ejections', () => {
    const patterns = operator.spec.meshConfig.defaultConfig.proxyStatsMatcher.inclusionRegexps.map(
      (p) => new RegExp(`^${p}$`),
    );
    for (const stat of [
      'cluster.outbound|3002||payments.shop.svc.cluster.local.upstream_rq_retry',
      'cluster.outbound|3002||payments.shop.svc.cluster.local.upstream_rq_pending_overflow',
      'cluster.outbound|3002||payments.shop.svc.cluster.local.outlier_detection.ejections_enforced_total',
    ]) {
      expect(
        patterns.some((pattern) => pattern.test(stat)),
        stat,
      ).toBe(true);
    }
  });

  it('declares the tracing provider that the Telemetry resources select, at the collector the Sidecars allow', () => {
    const telemetry = parseAllDocuments(read('mesh/istio/telemetry.yaml')).map((doc) => doc.toJS()) as {
      metadata: { namespace: string };
      spec: { tracing: { providers: { name: string }[] }[] };
    }[];
    const selected = telemetry.flatMap((t) => t.spec.tracing.flatMap((entry) => entry.providers.map((p) => p.name)));
    const { tracingProvider, collectorHost } = catalog.telemetry;
    expect(selected).toEqual([tracingProvider]);
    const declared = operator.spec.meshConfig.extensionProviders.find((p) => p.name === tracingProvider);
    expect(declared?.zipkin).toEqual({ service: collectorHost.split('/')[1], port: 9411 });
    expect(telemetry[0]?.metadata.namespace).toBe('istio-system');
  });
});
