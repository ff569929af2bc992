/**
 * @models the API server's create-time checks in Go (names, labels, ports, env) — Kubernetes 1.35
 *
 * The checks the Kubernetes 1.35 API server makes in Go code on create, which the OpenAPI schemas
 * (and so the schema validator) do not carry, for the fields the kit uses. Sources, in
 * kubernetes/kubernetes: pkg/apis/core/validation/validation.go (ValidateObjectMeta, ValidateService,
 * validateContainerPorts, validateEnv, container names), pkg/apis/apps/validation/validation.go,
 * k8s.io/apimachinery pkg/api/validation/objectmeta.go (ValidateAnnotations) and
 * pkg/apis/meta/v1/validation (ValidateLabels, ValidateLabelSelector). The formats themselves are in
 * apimachinery-validation.ts.
 */
import {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isLabelValue,
  isQualifiedName,
  isRelaxedEnvVarName,
  isValidPortName,
} from './apimachinery-validation.js';

type Json = Record<string, unknown>;

/**
 * The name format of each kind, where it is not a DNS-1123 subdomain (every other kind the kit
 * ships, custom resources included). A Service name is a DNS-1035 label: RelaxedServiceNameValidation,
 * which would allow a DNS-1123 label, is alpha and off by default in 1.35.
 */
const nameFormat: Record<string, (name: string) => string[]> = {
  Namespace: isDNS1123Label,
  Service: isDNS1035Label,
  StatefulSet: isDNS1123Label,
};

/** ValidateAnnotations: total size of keys and values. */
const totalAnnotationSizeLimit = 256 * 1024;

const podTemplateOf = (object: Json): { spec: Json; metadata: Json | undefined; at: string } | undefined => {
  const spec = (object.spec ?? {}) as Json;
  if (object.kind === 'Pod') return { spec, metadata: undefined, at: 'spec' };
  if (object.kind === 'CronJob') {
    const template = ((spec.jobTemplate as Json | undefined)?.spec as Json | undefined)?.template as Json | undefined;
    return template === undefined
      ? undefined
      : { spec: template.spec as Json, metadata: template.metadata as Json, at: 'spec.jobTemplate.spec.template' };
  }
  const template = spec.template as Json | undefined;
  return template?.spec === undefined
    ? undefined
    : { spec: template.spec as Json, metadata: template.metadata as Json | undefined, at: 'spec.template' };
};

function labels(map: unknown, at: string, out: string[]): void {
  for (const [key, value] of Object.entries((map ?? {}) as Record<string, unknown>)) {
    for (const msg of isQualifiedName(key)) out.push(`${at}: Invalid value: "${key}": ${msg}`);
    for (const msg of isLabelValue(String(value))) out.push(`${at}[${key}]: Invalid value: "${String(value)}": ${msg}`);
  }
}

function annotations(map: unknown, at: string, out: string[]): void {
  let size = 0;
  for (const [key, value] of Object.entries((map ?? {}) as Record<string, unknown>)) {
    for (const msg of isQualifiedName(key.toLowerCase())) out.push(`${at}: Invalid value: "${key}": ${msg}`);
    size += key.length + String(value).length;
  }
  if (size > totalAnnotationSizeLimit) out.push(`${at}: Too long: must have at most ${totalAnnotationSizeLimit} bytes`);
}

function objectMeta(object: Json, out: string[]): void {
  const metadata = (object.metadata ?? {}) as Json;
  const name = String(metadata.name ?? '');
  const format = nameFormat[String(object.kind)] ?? isDNS1123Subdomain;
  for (const msg of format(name)) out.push(`metadata.name: Invalid value: "${name}": ${msg}`);
  if (metadata.namespace !== undefined) {
    const namespace = String(metadata.namespace);
    for (const msg of isDNS1123Label(namespace)) out.push(`metadata.namespace: Invalid value: "${namespace}": ${msg}`);
  }
  labels(metadata.labels, 'metadata.labels', out);
  annotations(metadata.annotations, 'metadata.annotations', out);
}

/** Every label selector under `value` (matchLabels and matchExpressions keys), wherever the kind nests it. */
function selectors(value: unknown, at: string, out: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => selectors(item, `${at}[${i}]`, out));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value as Json)) {
    if (key === 'matchLabels') labels(child, `${at}.matchLabels`, out);
    else if (key === 'matchExpressions') {
      ((child ?? []) as Json[]).forEach((e, i) => {
        for (const msg of isQualifiedName(String(e.key))) {
          out.push(`${at}.matchExpressions[${i}].key: Invalid value: "${String(e.key)}": ${msg}`);
        }
      });
    } else if (key !== 'metadata') selectors(child, `${at}.${key}`, out);
  }
}

function portNameOrNumber(port: unknown, at: string, out: string[]): void {
  if (typeof port === 'string')
    for (const msg of isValidPortName(port)) out.push(`${at}: Invalid value: "${port}": ${msg}`);
}

function podSpec(spec: Json, at: string, out: string[]): void {
  const containerNames = new Set<string>();
  const portNames = new Map<string, string>();
  for (const group of ['initContainers', 'containers']) {
    ((spec[group] ?? []) as Json[]).forEach((container, i) => {
      const where = `${at}.${group}[${i}]`;
      const name = String(container.name ?? '');
      for (const msg of isDNS1123Label(name)) out.push(`${where}.name: Invalid value: "${name}": ${msg}`);
      if (containerNames.has(name)) out.push(`${where}.name: Duplicate value: "${name}"`);
      containerNames.add(name);
      ((container.ports ?? []) as Json[]).forEach((port, j) => {
        if (port.name === undefined) return;
        const portName = String(port.name);
        const portAt = `${where}.ports[${j}].name`;
        for (const msg of isValidPortName(portName)) out.push(`${portAt}: Invalid value: "${portName}": ${msg}`);
        // The API server rejects a duplicate within one container; the kit also requires port
        // names unique across the pod, so a Service's named targetPort has one meaning.
        const first = portNames.get(portName);
        if (first !== undefined) out.push(`${portAt}: Duplicate value: "${portName}" (already ${first})`);
        else portNames.set(portName, portAt);
      });
      ((container.env ?? []) as Json[]).forEach((env, j) => {
        const envName = String(env.name ?? '');
        for (const msg of isRelaxedEnvVarName(envName)) {
          out.push(`${where}.env[${j}].name: Invalid value: "${envName}": ${msg}`);
        }
      });
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        const handler = container[probe] as Json | undefined;
        const httpGet = handler?.httpGet as Json | undefined;
        const tcpSocket = handler?.tcpSocket as Json | undefined;
        if (httpGet !== undefined) portNameOrNumber(httpGet.port, `${where}.${probe}.httpGet.port`, out);
        if (tcpSocket !== undefined) portNameOrNumber(tcpSocket.port, `${where}.${probe}.tcpSocket.port`, out);
      }
    });
  }
}

function service(spec: Json, out: string[]): void {
  const ports = (spec.ports ?? []) as Json[];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const at = `spec.ports[${i}]`;
    if (port.name === undefined || port.name === '') {
      if (ports.length > 1) out.push(`${at}.name: Required value`);
    } else {
      const name = String(port.name);
      for (const msg of isDNS1123Label(name)) out.push(`${at}.name: Invalid value: "${name}": ${msg}`);
      if (names.has(name)) out.push(`${at}.name: Duplicate value: "${name}"`);
      names.add(name);
    }
    portNameOrNumber(port.targetPort, `${at}.targetPort`, out);
  });
  labels(spec.selector, 'spec.selector', out);
}

/** Every problem the API server would report for `object` beyond its OpenAPI schema; empty when none. */
export function apiServerProblems(object: Json): string[] {
  const out: string[] = [];
  objectMeta(object, out);
  const isIstio = String(object.apiVersion).includes('istio.io');
  if (!isIstio) {
    if (object.kind === 'Service') service((object.spec ?? {}) as Json, out);
    else selectors(object.spec, 'spec', out);
    const template = podTemplateOf(object);
    if (template !== undefined) {
      if (template.metadata !== undefined) {
        labels(template.metadata.labels, `${template.at}.metadata.labels`, out);
        annotations(template.metadata.annotations, `${template.at}.metadata.annotations`, out);
      }
      podSpec(template.spec, `${template.at}.spec`, out);
    }
  }
  const metadata = (object.metadata ?? {}) as Json;
  const name = `${String(object.kind)} ${String(metadata.namespace ?? '')}/${String(metadata.name)}`;
  return out.map((p) => `${name}: ${p}`);
}
