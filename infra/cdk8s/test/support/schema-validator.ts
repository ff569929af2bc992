/**
 * @models the API server's schema validation with strict field validation (kubectl's default)
 *
 * Strict validation of synthesized objects against upstream schemas, unknown fields rejected:
 * - Istio kinds: the openAPIV3Schema of the pinned CRDs (imports/istio-crds.yaml) with
 *   `additionalProperties: false` added wherever the schema does not preserve unknown fields;
 * - Kubernetes kinds (and every object's metadata): the validators kubernetes-models compiles from
 *   the upstream OpenAPI. They accept unknown fields, so each object is validated through a proxy
 *   that records which fields the validator looked at; any field it never read is unknown.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';

type Json = Record<string, unknown>;
type CompiledValidator = ((data: unknown) => boolean) & {
  errors?: { instancePath: string; message?: string; keyword: string; params: unknown }[] | null;
};

const crdFile = fileURLToPath(new URL('../../imports/istio-crds.yaml', import.meta.url));

/** Adds `additionalProperties: false` to every object schema that lists its properties. */
export function strictSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema as Json)) {
    out[key] =
      key === 'properties'
        ? Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, strictSchema(v)]))
        : strictSchema(value);
  }
  const preserves = out['x-kubernetes-preserve-unknown-fields'] === true;
  if (out.properties !== undefined && out.additionalProperties === undefined && !preserves) {
    out.additionalProperties = false;
  }
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const istioValidators = new Map<string, ValidateFunction>();
for (const doc of parseAllDocuments(readFileSync(crdFile, 'utf8'))) {
  const crd = doc.toJS() as {
    spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: Json } }[] };
  } | null;
  if (crd === null) continue;
  for (const version of crd.spec.versions) {
    const specSchema = (version.schema.openAPIV3Schema.properties as Json).spec;
    istioValidators.set(
      `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`,
      ajv.compile(strictSchema(specSchema) as Json),
    );
  }
}

/** Records which keys a validator reads, per object, so unread (unknown) keys can be reported. */
function tracked(root: unknown): { proxy: unknown; unknownFields: () => string[] } {
  const reads = new WeakMap<object, Set<string>>();
  const proxies = new WeakMap<object, object>();
  const wrap = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value;
    const cached = proxies.get(value);
    if (cached !== undefined) return cached;
    const seen = new Set<string>();
    reads.set(value, seen);
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        if (typeof key === 'string') seen.add(key);
        return wrap(Reflect.get(target, key, receiver));
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  const unknownFields = (): string[] => {
    const out: string[] = [];
    const walk = (value: unknown, path: string): void => {
      if (value === null || typeof value !== 'object') return;
      if (Array.isArray(value)) {
        value.forEach((item, i) => walk(item, `${path}/${i}`));
        return;
      }
      const seen = reads.get(value) ?? new Set<string>();
      for (const [key, child] of Object.entries(value as Json)) {
        if (!seen.has(key)) out.push(`${path}/${key}`);
        else walk(child, `${path}/${key}`);
      }
    };
    walk(root, '');
    return out;
  };
  return { proxy: wrap(root), unknownFields };
}

const k8sValidators = new Map<string, CompiledValidator>();

async function kubernetesValidator(apiVersion: string, kind: string): Promise<CompiledValidator> {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
  const pascal = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
  const name = `IoK8sApi${pascal(group!.split('.')[0]!)}${pascal(version!)}${kind}`;
  const cached = k8sValidators.get(name);
  if (cached !== undefined) return cached;
  const module = (await import(`kubernetes-models/_schemas/${name}`)) as { validate: CompiledValidator };
  k8sValidators.set(name, module.validate);
  return module.validate;
}

async function metadataValidator(): Promise<CompiledValidator> {
  const module =
    (await import('@kubernetes-models/apimachinery/_schemas/IoK8sApimachineryPkgApisMetaV1ObjectMeta')) as {
      validate: CompiledValidator;
    };
  return module.validate;
}

const format = (errors: CompiledValidator['errors'], prefix = ''): string[] =>
  (errors ?? []).map((e) => `${prefix}${e.instancePath || '/'}: ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`);

/** Every problem with `object` against its upstream schema; empty when it is valid. */
export async function validateObject(object: Json): Promise<string[]> {
  const apiVersion = String(object.apiVersion);
  const kind = String(object.kind);
  const where = `${kind} ${String((object.metadata as Json | undefined)?.name)}`;
  const istio = istioValidators.get(`${apiVersion}/${kind}`);
  if (istio !== undefined) {
    const problems: string[] = [];
    for (const key of Object.keys(object)) {
      if (!['apiVersion', 'kind', 'metadata', 'spec'].includes(key)) problems.push(`/${key}: unknown field`);
    }
    if (!istio(object.spec ?? {})) {
      for (const e of istio.errors ?? []) {
        const extra = e.keyword === 'additionalProperties' ? `/${String((e.params as Json).additionalProperty)}` : '';
        problems.push(`/spec${e.instancePath}${extra}: ${e.message ?? e.keyword}`);
      }
    }
    const meta = await metadataValidator();
    const t = tracked(object.metadata);
    if (!meta(t.proxy)) problems.push(...format(meta.errors, '/metadata'));
    problems.push(...t.unknownFields().map((p) => `/metadata${p}: unknown field`));
    return problems.map((p) => `${where}: ${p}`);
  }
  if (apiVersion.includes('istio.io')) return [`${where}: no schema for ${apiVersion} ${kind}`];
  const validate = await kubernetesValidator(apiVersion, kind);
  const t = tracked(object);
  const problems = validate(t.proxy) ? [] : format(validate.errors);
  problems.push(...t.unknownFields().map((p) => `${p}: unknown field`));
  return problems.map((p) => `${where}: ${p}`);
}
