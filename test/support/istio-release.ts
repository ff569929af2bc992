/**
 * @models the Istio 1.30.3 release archive's samples/addons, as the cluster scripts read it
 *
 * A stand-in for the parts of the pinned Istio release the cluster scripts read: samples/addons.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** versions.env as a map. */
export function readVersions(): Record<string, string> {
  const entries = readFileSync(join(root, 'versions.env'), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z0-9_]+=/.test(line))
    .map((line) => line.split('=', 2) as [string, string]);
  return Object.fromEntries(entries);
}

/** The shape of the release's kiali.yaml that scripts/kiali-config.ts edits: tracing off. */
export const kialiSample = (version: string): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: kiali
  namespace: istio-system
data:
  config.yaml: |
    external_services:
      custom_dashboards:
        enabled: true
      tracing:
        enabled: false
    server:
      port: 20001
      web_root: /kiali
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: kiali
  namespace: istio-system
spec:
  template:
    metadata:
      annotations:
        checksum/config: sample
    spec:
      containers:
        - name: kiali
          image: quay.io/kiali/kiali:${version}
`;

/** Writes `<toolsBin>/istio-<version>/samples/addons/*.yaml`, each naming its pinned version. */
export function writeIstioRelease(toolsBin: string): string {
  const versions = readVersions();
  const addons = join(toolsBin, `istio-${versions['ISTIO_VERSION']}`, 'samples', 'addons');
  mkdirSync(addons, { recursive: true });
  writeFileSync(join(addons, 'prometheus.yaml'), `image: prom/prometheus:${versions['PROMETHEUS_VERSION']}\n`);
  writeFileSync(join(addons, 'jaeger.yaml'), `image: jaegertracing/jaeger:${versions['JAEGER_VERSION']}\n`);
  writeFileSync(join(addons, 'kiali.yaml'), kialiSample(versions['KIALI_VERSION'] ?? ''));
  writeFileSync(join(addons, 'grafana.yaml'), `image: grafana/grafana:${versions['GRAFANA_VERSION']}\n`);
  return addons;
}
