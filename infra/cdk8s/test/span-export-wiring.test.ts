import { describe, expect, it } from 'vitest';
import { catalog, usesBroker } from '@mesh-kit/catalog';
import { EXCLUDE_OUTBOUND_PORTS } from '../src/mesh-names.js';
import { find, ofKind, synthObjects } from './support/shop.js';

type Container = { name: string; env?: { name: string; value?: string }[] };

describe('span export wiring (the async hop in Jaeger)', () => {
  const objects = synthObjects();
  const envOf = (service: string): Map<string, string | undefined> => {
    const deployment = find(objects, 'Deployment', service) as unknown as {
      spec: { template: { spec: { containers: Container[] } } };
    };
    const app = deployment.spec.template.spec.containers.find((c) => c.name === service)!;
    return new Map((app.env ?? []).map((e) => [e.name, e.value]));
  };

  it('gives every service on the broker the collector the proxies report to, reachable through its Sidecar', () => {
    const [collectorNamespace, collectorHost] = catalog.telemetry.collectorHost.split('/') as [string, string];
    for (const spec of catalog.services) {
      const endpoint = envOf(spec.name).get('OTEL_EXPORTER_ZIPKIN_ENDPOINT');
      if (!usesBroker(spec)) {
        expect(endpoint, spec.name).toBeUndefined();
        continue;
      }
      expect(new URL(endpoint!).hostname, spec.name).toBe(collectorHost);
      expect(collectorHost.split('.')[1]).toBe(collectorNamespace);
      const sidecar = find(objects, 'Sidecar', spec.name) as unknown as { spec: { egress: { hosts: string[] }[] } };
      expect(sidecar.spec.egress.flatMap((e) => e.hosts)).toContain(catalog.telemetry.collectorHost);
    }
  });

  it("keeps a service's own span export out of its sidecar, so no export becomes a trace or a Kiali edge", () => {
    const port = new URL(catalog.telemetry.spanCollectorUrl).port;
    expect(port).toBe('9411');
    // Straight from the pod, so the pod's NetworkPolicy must admit the collector's port itself.
    expect(catalog.network.collector.ports.map((p) => String(p.port))).toContain(port);
    for (const deployment of ofKind(objects, 'Deployment')) {
      const template = (deployment.spec as { template: { metadata: { annotations?: Record<string, string> } } })
        .template;
      const service = catalog.services.find((s) => s.name === deployment.metadata.labels?.app)!;
      expect(template.metadata.annotations?.[EXCLUDE_OUTBOUND_PORTS], deployment.metadata.name).toBe(
        usesBroker(service) ? port : undefined,
      );
    }
  });
});
