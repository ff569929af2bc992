import type { Catalog, Resources } from '@mesh-kit/catalog';

/** Labels every object of the kit carries (undeploy acts by `app.kubernetes.io/part-of`). */
export const PART_OF = { 'app.kubernetes.io/part-of': 'mesh-kit' } as const;
/** Marks the data tier, which scripts/apply.sh applies and waits for before the services. */
export const TIER_LABEL = 'mesh-kit.dev/tier';

/** The labels of a workload's pods and the selector of its Service: `app` + `version` (Kiali, Istio telemetry). */
export function podLabels(name: string, version: string): Record<string, string> {
  return { app: name, version, 'app.kubernetes.io/name': name, 'app.kubernetes.io/version': version, ...PART_OF };
}

/** Cluster-local DNS name of a Service in the catalog's namespace. */
export function serviceHost(name: string, source: Catalog): string {
  return `${name}.${source.namespace}.svc.cluster.local`;
}

/** The SPIFFE-style principal Istio derives from a service account. */
export function principal(namespace: string, serviceAccount: string): string {
  return `cluster.local/ns/${namespace}/sa/${serviceAccount}`;
}

/** Istio durations are protobuf JSON durations: seconds with a decimal fraction (`0.3s`, `2s`). */
export function duration(ms: number): string {
  if (!Number.isInteger(ms) || ms < 1) throw new Error(`duration must be a whole number of ms ≥ 1, got ${ms}`);
  return `${ms / 1000}s`;
}

const PARAM = /^:[A-Za-z_][A-Za-z0-9_]*$/;

/** An anchored RE2 regex for an Express path template (`/users/:id` → `^/users/[^/]+$`). */
export function pathRegex(template: string, prefix = ''): string {
  const segments = template.split('/').map((s) => (PARAM.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return `^${prefix}${segments.join('/')}$`;
}

/** An AuthorizationPolicy path for an Express path template (`/users/:id` → `/users/{*}`). */
export function authorizationPath(template: string): string {
  return template
    .split('/')
    .map((s) => (PARAM.test(s) ? '{*}' : s))
    .join('/');
}

/** A stable, DNS-safe name for a route (`GET /users/:id` → `get-users-id`). */
export function routeName(method: string, path: string): string {
  const tail = path
    .replace(/:/g, '')
    .split('/')
    .filter((s) => s.length > 0)
    .join('-');
  return `${method.toLowerCase()}-${tail === '' ? 'root' : tail}`;
}

/** Pod annotations sizing the injected istio-proxy. */
export function sidecarAnnotations(r: Resources): Record<string, string> {
  return {
    'sidecar.istio.io/proxyCPU': `${r.cpuRequestMilli}m`,
    'sidecar.istio.io/proxyCPULimit': `${r.cpuLimitMilli}m`,
    'sidecar.istio.io/proxyMemory': `${r.memoryRequestMi}Mi`,
    'sidecar.istio.io/proxyMemoryLimit': `${r.memoryLimitMi}Mi`,
  };
}

/**
 * Pod annotation listing outbound ports the sidecar does not capture (istio-cni reads it:
 * cni/pkg/plugin/sidecar_redirect.go, `excludeOutboundPorts`, at Istio 1.30.3; the injection
 * template, manifests/charts/istio-control/istio-discovery/files/injection-template.yaml, passes it
 * to istio-init where CNI is off).
 */
export const EXCLUDE_OUTBOUND_PORTS = 'traffic.sidecar.istio.io/excludeOutboundPorts';

/**
 * Keeps a service's own span export out of the mesh: its POSTs to the collector bypass the sidecar,
 * so they are neither traced (at 100 % sampling each would be a trace of its own) nor drawn as an
 * edge to the collector. The port is the span collector URL's.
 */
export function spanExportAnnotations(spanCollectorUrl: string): Record<string, string> {
  const url = new URL(spanCollectorUrl);
  const port = url.port === '' ? (url.protocol === 'https:' ? '443' : '80') : url.port;
  return { [EXCLUDE_OUTBOUND_PORTS]: port };
}

/** Annotations under the kit's own prefix (read back by `npm run analyze`). */
export const ANNOTATION = {
  routes: 'mesh-kit.dev/routes',
  maxRetryAmplification: 'mesh-kit.dev/max-retry-amplification',
  requestBudget: 'mesh-kit.dev/request-budget',
} as const;
