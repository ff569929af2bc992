/**
 * @models the API server's evaluation of CRD `x-kubernetes-validations` (apiextensions-apiserver)
 *
 * Evaluates the CEL rules (`x-kubernetes-validations`) of the pinned Istio CRDs
 * (imports/istio-crds.yaml) the way the API server does on create:
 * - a rule applies at the schema node that declares it, with `self` bound to the value there,
 *   and only when that value is present (each item of a list, each value of a map);
 * - values are typed by the schema: integer → int, number → double, objects and maps → maps,
 *   so `has(self.x)` tests presence and reading an absent field is an evaluation error;
 * - an evaluation error or a non-true result fails the rule, with `messageExpression`, else
 *   `message`, else the rule as the message;
 * - rules that refer to `oldSelf` are transition rules, which do not apply on create: skipped
 *   and counted;
 * - a rule calling a function the environment does not implement (kubernetes-cel.ts) is not
 *   evaluated: it fails wherever it applies, naming the rule and the function (and the test
 *   over all rules fails even where none applies).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CelResult, type CelValue, isCelError, parse, plan } from '@bufbuild/cel';
import { parseAllDocuments } from 'yaml';
import { kubernetesCelEnv, unimplementedFunctions, usesVariable } from './kubernetes-cel.js';

type Json = Record<string, unknown>;

export const crdFile = fileURLToPath(new URL('../../imports/istio-crds.yaml', import.meta.url));

interface RuleDecl {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
}

/** One rule of one CRD, ready to evaluate. */
export interface CompiledRule {
  crd: string;
  /** Where the rule is declared, as a path of the object (`spec.http[].timeout`). */
  at: string;
  rule: string;
  message: string | undefined;
  transition: boolean;
  /** Functions the rule calls that are not implemented; non-empty means the rule cannot be evaluated. */
  unimplemented: string[];
  evaluate: ((self: unknown) => CelResult) | undefined;
  describe: ((self: unknown) => CelResult) | undefined;
  fieldPath: string | undefined;
}

/** A structural schema node, with the rules it declares. */
interface SchemaNode {
  type: string | undefined;
  properties: Map<string, SchemaNode> | undefined;
  additionalProperties: SchemaNode | undefined;
  items: SchemaNode | undefined;
  rules: CompiledRule[];
}

function compile(crd: string, at: string, decl: RuleDecl): CompiledRule {
  const transition = usesVariable(decl.rule, 'oldSelf');
  const unimplemented = [
    ...new Set([
      ...unimplementedFunctions(decl.rule),
      ...(decl.messageExpression === undefined ? [] : unimplementedFunctions(decl.messageExpression)),
    ]),
  ];
  const runnable = !transition && unimplemented.length === 0;
  const program = (expression: string): ((self: unknown) => CelResult) => {
    const run = plan(kubernetesCelEnv, parse(expression));
    return (self) => run({ self: self as CelValue });
  };
  return {
    crd,
    at,
    rule: decl.rule,
    message: decl.message,
    transition,
    unimplemented,
    evaluate: runnable ? program(decl.rule) : undefined,
    describe: runnable && decl.messageExpression !== undefined ? program(decl.messageExpression) : undefined,
    fieldPath: decl.fieldPath,
  };
}

function schemaNode(crd: string, at: string, schema: Json, all: CompiledRule[]): SchemaNode {
  const rules = ((schema['x-kubernetes-validations'] as RuleDecl[] | undefined) ?? []).map((d) => compile(crd, at, d));
  all.push(...rules);
  const properties =
    schema.properties === undefined
      ? undefined
      : new Map(
          Object.entries(schema.properties as Record<string, Json>).map(([key, child]) => [
            key,
            schemaNode(crd, at === '' ? key : `${at}.${key}`, child, all),
          ]),
        );
  const additional = schema.additionalProperties;
  return {
    type: schema.type as string | undefined,
    properties,
    additionalProperties:
      additional !== null && typeof additional === 'object'
        ? schemaNode(crd, `${at}[*]`, additional as Json, all)
        : undefined,
    items: schema.items === undefined ? undefined : schemaNode(crd, `${at}[]`, schema.items as Json, all),
    rules,
  };
}

interface CrdRules {
  crd: string;
  root: SchemaNode;
  rules: CompiledRule[];
}

function loadCrds(file: string): Map<string, CrdRules> {
  const byKind = new Map<string, CrdRules>();
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const crd = doc.toJS() as {
      metadata: { name: string };
      spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: Json } }[] };
    } | null;
    if (crd === null) continue;
    for (const version of crd.spec.versions) {
      const rules: CompiledRule[] = [];
      const root = schemaNode(crd.metadata.name, '', version.schema.openAPIV3Schema, rules);
      byKind.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, {
        crd: `${crd.metadata.name} ${version.name}`,
        root,
        rules,
      });
    }
  }
  return byKind;
}

/** The CEL value of JSON `value` typed by `node` (or untyped when there is no schema). */
function toCel(value: unknown, node: SchemaNode | undefined): unknown {
  if (value === null) return null;
  if (typeof value === 'number') {
    if (node?.type === 'number') return value;
    if (node?.type === 'integer' || Number.isInteger(value)) return BigInt(value);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => toCel(item, node?.items));
  if (typeof value === 'object') {
    return new Map(
      Object.entries(value as Json).map(([key, child]) => [
        key,
        toCel(child, node?.properties?.get(key) ?? node?.additionalProperties),
      ]),
    );
  }
  return value;
}

function check(rule: CompiledRule, value: unknown, node: SchemaNode, path: string): string | undefined {
  const where = rule.fieldPath === undefined ? path : `${path}${rule.fieldPath}`;
  if (rule.unimplemented.length > 0) {
    return `${where}: rule \`${rule.rule}\` calls ${rule.unimplemented.join(', ')}, not implemented in test/support/kubernetes-cel.ts`;
  }
  const self = toCel(value, node);
  const result = rule.evaluate!(self);
  if (result === true) return undefined;
  let message = rule.message ?? `failed rule: ${rule.rule}`;
  if (rule.describe !== undefined) {
    const described = rule.describe(self);
    if (typeof described === 'string' && described.trim() !== '') message = described;
  }
  const detail = isCelError(result) ? ` (evaluation error: ${result.message})` : '';
  return `${where}: ${message}${detail} [rule: ${rule.rule}]`;
}

function validateNode(
  value: unknown,
  node: SchemaNode,
  path: string,
  problems: string[],
  onApply: (rule: CompiledRule) => void,
): void {
  if (value === undefined || value === null) return;
  for (const rule of node.rules) {
    if (rule.transition) continue;
    onApply(rule);
    const problem = check(rule, value, node, path === '' ? '<root>' : path);
    if (problem !== undefined) problems.push(problem);
  }
  if (Array.isArray(value)) {
    if (node.items !== undefined)
      value.forEach((item, i) => validateNode(item, node.items!, `${path}[${i}]`, problems, onApply));
    return;
  }
  if (typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value as Json)) {
    const property = node.properties?.get(key);
    if (property !== undefined) validateNode(child, property, path === '' ? key : `${path}.${key}`, problems, onApply);
    else if (node.additionalProperties !== undefined) {
      validateNode(child, node.additionalProperties, `${path}[${key}]`, problems, onApply);
    }
  }
}

/** Validates objects against the CEL rules of the CRDs in `file`. */
export interface CelValidator {
  /** Every failed rule for `object`, each naming the object, the field path and the rule's message. */
  validate(object: Json): string[];
  /** Whether `object` is of a kind the CRDs define. */
  covers(object: { apiVersion: string; kind: string }): boolean;
  /** Every rule of the CRDs. */
  rules(): CompiledRule[];
  /** Per CRD (name and version): rules evaluated on create, and transition rules skipped. */
  counts(): Record<string, { evaluated: number; skippedOldSelf: number }>;
  /** How many times each rule was applied by `validate` so far (a rule applies where its value is present). */
  applications(): Map<CompiledRule, number>;
}

export function celValidator(file: string): CelValidator {
  const crds = loadCrds(file);
  const applied = new Map<CompiledRule, number>();
  return {
    validate(object) {
      const crd = crds.get(`${String(object.apiVersion)}/${String(object.kind)}`);
      if (crd === undefined) return [];
      const metadata = (object.metadata ?? {}) as Json;
      const name = `${String(object.kind)} ${String(metadata.namespace ?? '')}/${String(metadata.name)}`;
      const problems: string[] = [];
      validateNode(object, crd.root, '', problems, (rule) => applied.set(rule, (applied.get(rule) ?? 0) + 1));
      return problems.map((p) => `${name}: ${p}`);
    },
    covers: (object) => crds.has(`${object.apiVersion}/${object.kind}`),
    rules: () => [...crds.values()].flatMap((c) => c.rules),
    counts: () =>
      Object.fromEntries(
        [...crds.values()].map((c) => [
          c.crd,
          {
            evaluated: c.rules.filter((r) => !r.transition).length,
            skippedOldSelf: c.rules.filter((r) => r.transition).length,
          },
        ]),
      ),
    applications: () => new Map(applied),
  };
}

/** The validator for the pinned Istio CRDs (imports/istio-crds.yaml). */
export const istioCelRules = celValidator(crdFile);
