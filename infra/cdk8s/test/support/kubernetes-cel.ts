/**
 * @models the Kubernetes CEL URL library (k8s.io/apiserver pkg/cel/library/urls.go)
 *
 * A CEL environment for the `x-kubernetes-validations` rules of the pinned CRDs: the standard
 * library of @bufbuild/cel plus the few functions of the Kubernetes CEL libraries that those rules
 * call. Only what the rules use is implemented; `unimplementedFunctions` names any other function
 * a rule calls, so a rule is never silently half-evaluated.
 *
 * Implemented from the Kubernetes URL library (k8s.io/apiserver/pkg/cel/library/urls.go @ v0.35.0,
 * read at the nearest stored version):
 *   url(string) -> URL      parses like Go's url.ParseRequestURI (an absolute URI or an absolute path)
 *   URL.getScheme() -> string   the scheme, lower-cased; '' for an absolute path
 */
import { type CelEnv, CelScalar, celEnv, celFunc, celMethod, objectType, parse } from '@bufbuild/cel';
import { create, createFileRegistry } from '@bufbuild/protobuf';
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
} from '@bufbuild/protobuf/wkt';

/** An opaque `kubernetes.URL` type (a message with the raw string), as the URL library's values are. */
const registry = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: 'mesh_kit_kubernetes_cel.proto',
    package: 'kubernetes',
    syntax: 'proto3',
    messageType: [
      {
        name: 'URL',
        field: [
          {
            name: 'raw',
            jsonName: 'raw',
            number: 1,
            type: FieldDescriptorProto_Type.STRING,
            label: FieldDescriptorProto_Label.OPTIONAL,
          },
        ],
      },
    ],
  }),
  () => undefined,
);
const urlDesc = registry.getMessage('kubernetes.URL');
if (urlDesc === undefined) throw new Error('kubernetes.URL was not registered');
const URL_TYPE = objectType(urlDesc);

// Go's url.ParseRequestURI (net/url/url.go, parse with viaRequest; the Kubernetes URL library's
// url() calls it): no ASCII control character anywhere (a space is not one); a scheme (RFC 3986:
// ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )) and ':', or else an absolute path; after "//" an
// authority whose host has no space and whose port is digits only; every '%' starts an escape of
// two hex digits, outside the query.
const schemePrefix = /^([A-Za-z][A-Za-z0-9+.-]*):/;
// eslint-disable-next-line no-control-regex
const controlCharacter = /[\u0000-\u001f\u007f]/;
const badEscape = /%(?![0-9A-Fa-f]{2})/;

function parseRequestUri(raw: string): string {
  const fail = (why: string): never => {
    throw new Error(`URL parse error during conversion from string: parse "${raw}": ${why}`);
  };
  if (controlCharacter.test(raw)) fail('net/url: invalid control character in URL');
  const scheme = schemePrefix.exec(raw)?.[1];
  const rest = (scheme === undefined ? raw : raw.slice(scheme.length + 1)).split('?')[0]!;
  if (scheme === undefined && !rest.startsWith('/')) fail('invalid URI for request');
  let path = rest;
  if (scheme !== undefined && rest.startsWith('//')) {
    const end = rest.indexOf('/', 2);
    const authority = end < 0 ? rest.slice(2) : rest.slice(2, end);
    path = end < 0 ? '' : rest.slice(end);
    const host = authority.slice(authority.lastIndexOf('@') + 1);
    const port = /^(?:\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(host)?.[1];
    if (port !== undefined && !/^\d*$/.test(port)) fail(`invalid port ":${port}" after host`);
    if (/\s/.test(host) || badEscape.test(host)) fail('invalid host');
  }
  if (badEscape.test(path)) fail('invalid URL escape');
  return (scheme ?? '').toLowerCase();
}

const kubernetesFuncs = [
  celFunc('url', [CelScalar.STRING], URL_TYPE, (raw) => {
    parseRequestUri(raw);
    return create(urlDesc, { raw } as never);
  }),
  celMethod('getScheme', URL_TYPE, [], CelScalar.STRING, function () {
    return parseRequestUri(String(this.get(urlDesc.fields[0]!)));
  }),
];

/** The environment every rule is planned in; `self` (and `oldSelf`) are bound per evaluation. */
export const kubernetesCelEnv: CelEnv = celEnv({ registry, funcs: kubernetesFuncs });

type Node = { [key: string]: unknown };

/** Every value in a parsed CEL expression tree (protobuf messages), depth first. */
function* walk(value: unknown): Generator<Node> {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return;
  if (Array.isArray(value)) {
    for (const item of value) yield* walk(item);
    return;
  }
  yield value as Node;
  for (const child of Object.values(value as Node)) yield* walk(child);
}

/** The functions `expression` calls by name (operators such as `_&&_` and macros excluded). */
export function calledFunctions(expression: string): string[] {
  const names = new Set<string>();
  for (const node of walk(parse(expression).expr)) {
    const kind = node.exprKind as { case?: string; value?: { function?: string } } | undefined;
    const name = kind?.case === 'callExpr' ? kind.value?.function : undefined;
    if (name !== undefined && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) names.add(name);
  }
  return [...names].sort();
}

/** Whether `expression` refers to `name` as a variable (e.g. `oldSelf`: a transition rule). */
export function usesVariable(expression: string, name: string): boolean {
  for (const node of walk(parse(expression).expr)) {
    const kind = node.exprKind as { case?: string; value?: { name?: string } } | undefined;
    if (kind?.case === 'identExpr' && kind.value?.name === name) return true;
  }
  return false;
}

/** The functions `expression` calls that this environment does not implement. */
export function unimplementedFunctions(expression: string): string[] {
  return calledFunctions(expression).filter((name) => kubernetesCelEnv.funcs.find(name) === undefined);
}
