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

/**
 * The shape of the release's grafana.yaml that scripts/grafana-config.ts edits, trimmed from Istio
 * 1.30.3's samples/addons/grafana.yaml: the `grafana` ConfigMap's dashboard providers, the
 * Deployment's dashboard volumes and mounts, and one dashboard ConfigMap.
 */
export const grafanaSample = (version: string): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: grafana
  namespace: istio-system
data:
  datasources.yaml: |
    apiVersion: 1
    datasources:
    - name: Prometheus
      type: prometheus
      url: http://prometheus:9090
  dashboardproviders.yaml: |
    apiVersion: 1
    providers:
    - disableDeletion: false
      folder: istio
      name: istio
      options:
        path: /var/lib/grafana/dashboards/istio
      orgId: 1
      type: file
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: grafana
  namespace: istio-system
spec:
  template:
    metadata:
      annotations:
        checksum/config: sample
    spec:
      containers:
        - name: grafana
          image: "docker.io/grafana/grafana:${version}"
          volumeMounts:
            - name: dashboards-istio
              mountPath: "/var/lib/grafana/dashboards/istio"
            - name: config
              mountPath: "/etc/grafana/provisioning/dashboards/dashboardproviders.yaml"
              subPath: "dashboardproviders.yaml"
      volumes:
        - name: config
          configMap:
            name: grafana
        - name: dashboards-istio
          configMap:
            name: istio-grafana-dashboards
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: istio-grafana-dashboards
  namespace: istio-system
data:
  istio-mesh-dashboard.json: '{"title":"Istio Mesh Dashboard"}'
`;

/** Writes `<toolsBin>/istio-<version>/samples/addons/*.yaml`, each naming its pinned version. */
export function writeIstioRelease(toolsBin: string): string {
  const versions = readVersions();
  const addons = join(toolsBin, `istio-${versions['ISTIO_VERSION']}`, 'samples', 'addons');
  mkdirSync(addons, { recursive: true });
  writeFileSync(join(addons, 'prometheus.yaml'), `image: prom/prometheus:${versions['PROMETHEUS_VERSION']}\n`);
  writeFileSync(join(addons, 'jaeger.yaml'), `image: jaegertracing/jaeger:${versions['JAEGER_VERSION']}\n`);
  writeFileSync(join(addons, 'kiali.yaml'), kialiSample(versions['KIALI_VERSION'] ?? ''));
  writeFileSync(join(addons, 'grafana.yaml'), grafanaSample(versions['GRAFANA_VERSION'] ?? ''));
  return addons;
}
