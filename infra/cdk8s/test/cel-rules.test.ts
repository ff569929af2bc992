import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { celValidator, crdFile, istioCelRules } from './support/cel-rules.js';
import { type KubeObject, find, synthObjects } from './support/shop.js';

const objects = synthObjects();
const istioObjects = objects.filter((o) => istioCelRules.covers(o));
const clone = <T>(value: T): T => structuredClone(value);
const problemsOf = (object: KubeObject): string => istioCelRules.validate(object).join('\n');
type Json = Record<string, unknown>;
const spec = (object: KubeObject): Json => object.spec as Json;

describe('CEL rules (x-kubernetes-validations) of the Istio 1.30.3 CRDs', () => {
  it('are all evaluable: no transition rules, no function left unimplemented', () => {
    expect(istioCelRules.counts()).toEqual({
      'destinationrules.networking.istio.io v1': { evaluated: 39, skippedOldSelf: 0 },
      'envoyfilters.networking.istio.io v1alpha3': { evaluated: 5, skippedOldSelf: 0 },
      'gateways.networking.istio.io v1': { evaluated: 3, skippedOldSelf: 0 },
      'sidecars.networking.istio.io v1': { evaluated: 14, skippedOldSelf: 0 },
      'virtualservices.networking.istio.io v1': { evaluated: 6, skippedOldSelf: 0 },
      'authorizationpolicies.security.istio.io v1': { evaluated: 7, skippedOldSelf: 0 },
      'peerauthentications.security.istio.io v1': { evaluated: 5, skippedOldSelf: 0 },
      'requestauthentications.security.istio.io v1': { evaluated: 10, skippedOldSelf: 0 },
      'telemetries.telemetry.istio.io v1': { evaluated: 9, skippedOldSelf: 0 },
    });
    const unimplemented = istioCelRules
      .rules()
      .filter((r) => r.unimplemented.length > 0)
      .map((r) => `${r.crd} ${r.at}: ${r.rule} calls ${r.unimplemented.join(', ')}`);
    expect(unimplemented).toEqual([]);
  });

  it('covers every Istio object the shop ships', () => {
    expect(objects.filter((o) => o.apiVersion.includes('istio.io') && !istioCelRules.covers(o))).toEqual([]);
    expect(new Set(istioObjects.map((o) => o.kind))).toEqual(
      new Set([
        'AuthorizationPolicy',
        'DestinationRule',
        'EnvoyFilter',
        'Gateway',
        'PeerAuthentication',
        'RequestAuthentication',
        'Sidecar',
        'Telemetry',
        'VirtualService',
      ]),
    );
  });

  it.each(istioObjects.map((o) => [`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`, o] as const))(
    '%s passes every rule',
    (_name, object) => {
      expect(istioCelRules.validate(object)).toEqual([]);
    },
  );

  it('apply where the shop sets a constrained field (durations, selectors, JWT rules)', () => {
    const fresh = celValidator(crdFile);
    for (const o of istioObjects) fresh.validate(o);
    const applications = fresh.applications();
    const applied = [...applications.keys()].map((r) => `${r.crd} ${r.at}`);
    const evaluations = [...applications.values()].reduce((a, b) => a + b, 0);
    expect([applications.size, evaluations]).toEqual([23, 303]);
    const rules = Object.values(istioCelRules.counts()).reduce((sum, c) => sum + c.evaluated, 0);
    const testingDoc = readFileSync(new URL('../../../docs/testing.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
    expect(testingDoc, 'docs/testing.md states these counts: update it').toContain(`carry ${rules} rules`);
    expect(testingDoc, 'docs/testing.md states these counts: update it').toContain(
      `${applications.size} of them meet a field the shop sets (${evaluations} evaluations`,
    );
    expect(applied).toEqual(
      expect.arrayContaining([
        'destinationrules.networking.istio.io spec.trafficPolicy.outlierDetection.interval',
        'virtualservices.networking.istio.io spec.http[].timeout',
        'virtualservices.networking.istio.io spec.http[].retries.perTryTimeout',
        'sidecars.networking.istio.io spec.workloadSelector.labels[*]',
        'authorizationpolicies.security.istio.io spec',
        'requestauthentications.security.istio.io spec.jwtRules[]',
        'telemetries.telemetry.istio.io spec',
      ]),
    );
  });

  it('DestinationRule: a duration under 1ms, and one that does not parse', () => {
    const dr = clone(find(objects, 'DestinationRule', 'users'));
    const outlier = (spec(dr).trafficPolicy as { outlierDetection: Json }).outlierDetection;
    outlier.interval = '0.5ms';
    outlier.baseEjectionTime = 'thirty seconds';
    const problems = problemsOf(dr);
    expect(problems).toMatch(
      /^DestinationRule shop\/users: spec\.trafficPolicy\.outlierDetection\.interval: must be a valid duration greater than 1ms \[rule: duration\(self\) >= duration\('1ms'\)\]$/m,
    );
    expect(problems).toMatch(
      /spec\.trafficPolicy\.outlierDetection\.baseEjectionTime: must be a valid duration greater than 1ms \(evaluation error: .*duration/,
    );
  });

  it('PeerAuthentication: a port outside 1-65535, and portLevelMtls without a selector', () => {
    const pa = clone(find(objects, 'PeerAuthentication', 'default'));
    spec(pa).portLevelMtls = { '0': { mode: 'DISABLE' } };
    const problems = problemsOf(pa);
    expect(problems).toMatch(/PeerAuthentication \S+: spec\.portLevelMtls: port must be between 1-65535/);
    expect(problems).toMatch(/PeerAuthentication \S+: spec: portLevelMtls requires selector/);
  });

  it('AuthorizationPolicy: both selector and targetRef; a wildcard in a selector value', () => {
    const policy = clone(find(objects, 'AuthorizationPolicy', 'orders'));
    spec(policy).selector = { matchLabels: { app: 'ord*' } };
    spec(policy).targetRef = { kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'shop' };
    const problems = problemsOf(policy);
    expect(problems).toMatch(/AuthorizationPolicy shop\/orders: spec: only one of targetRefs or selector can be set/);
    expect(problems).toMatch(
      /AuthorizationPolicy shop\/orders: spec\.selector\.matchLabels\[app\]: wildcard not allowed in label value match/,
    );
  });

  it('AuthorizationPolicy: serviceAccounts beside principals; a cross-namespace targetRef', () => {
    const policy = clone(find(objects, 'AuthorizationPolicy', 'orders'));
    delete spec(policy).selector;
    spec(policy).targetRefs = [{ kind: 'Service', group: '', name: 'orders', namespace: 'other' }];
    const source = ((spec(policy).rules as Json[])[0]!.from as Json[])[0]!.source as Json;
    source.serviceAccounts = ['shop/storefront'];
    const problems = problemsOf(policy);
    expect(problems).toMatch(
      /spec\.rules\[0\]\.from\[0\]\.source: Cannot set serviceAccounts with namespaces or principals/,
    );
    expect(problems).toMatch(
      /spec\.targetRefs\[0\]\.namespace: cross namespace referencing is not currently supported/,
    );
  });

  it('Gateway: credentialName beside credentialNames', () => {
    const gateway = clone(istioObjects.find((o) => o.kind === 'Gateway')!);
    (spec(gateway).servers as Json[])[0]!.tls = { mode: 'SIMPLE', credentialName: 'a', credentialNames: ['b'] };
    expect(problemsOf(gateway)).toMatch(
      /Gateway \S+: spec\.servers\[0\]\.tls: only one of credentialName or credentialNames can be set/,
    );
  });

  it('EnvoyFilter: a waypoint match outside the WAYPOINT context; workloadSelector beside targetRefs', () => {
    const filter = clone(find(objects, 'EnvoyFilter', 'shop-local-ratelimit'));
    const match = (spec(filter).configPatches as Json[])[0]!.match as Json;
    match.waypoint = { portNumber: 70000 };
    spec(filter).targetRefs = [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'shop' }];
    const problems = problemsOf(filter);
    expect(problems).toMatch(/spec\.configPatches\[0\]\.match: only support waypointMatch when context is WAYPOINT/);
    expect(problems).toMatch(/spec\.configPatches\[0\]\.match\.waypoint\.portNumber: port must be between 1-65535/);
    expect(problems).toMatch(/spec: only one of targetRefs or workloadSelector can be set/);
  });

  it('VirtualService: a route timeout and a per-try timeout of 0s', () => {
    const vs = clone(find(objects, 'VirtualService', 'orders'));
    const route = (spec(vs).http as Json[])[0]!;
    route.timeout = '0s';
    (route.retries as Json).perTryTimeout = '0s';
    const problems = problemsOf(vs);
    expect(problems).toMatch(
      /VirtualService shop\/orders: spec\.http\[0\]\.timeout: must be a valid duration greater than 1ms/,
    );
    expect(problems).toMatch(/spec\.http\[0\]\.retries\.perTryTimeout: must be a valid duration greater than 1ms/);
  });

  it('Sidecar: a wildcard in the workload selector; an inbound idle timeout under 1ms', () => {
    const sidecar = clone(find(objects, 'Sidecar', 'users'));
    spec(sidecar).workloadSelector = { labels: { app: '*' } };
    spec(sidecar).inboundConnectionPool = { http: { idleTimeout: '0ms' } };
    const problems = problemsOf(sidecar);
    expect(problems).toMatch(
      /Sidecar shop\/users: spec\.workloadSelector\.labels\[app\]: wildcard is not supported in selector/,
    );
    expect(problems).toMatch(
      /spec\.inboundConnectionPool\.http\.idleTimeout: must be a valid duration greater than 1ms/,
    );
  });

  it('Telemetry: selector and targetRefs together; an UPSERT tag override without a value', () => {
    const telemetry = clone(istioObjects.find((o) => o.kind === 'Telemetry')!);
    spec(telemetry).selector = { matchLabels: { app: 'orders' } };
    spec(telemetry).targetRefs = [{ kind: 'Service', group: '', name: 'orders' }];
    spec(telemetry).metrics = [{ overrides: [{ tagOverrides: { request_host: { operation: 'UPSERT' } } }] }];
    const problems = problemsOf(telemetry);
    expect(problems).toMatch(/Telemetry \S+: spec: only one of targetRefs or selector can be set/);
    expect(problems).toMatch(
      /spec\.metrics\[0\]\.overrides\[0\]\.tagOverrides\[request_host\]: value must be set when operation is UPSERT \(evaluation error: .*value/,
    );
  });

  it('RequestAuthentication: a jwksUri that is not http(s), next to inline jwks', () => {
    const ra = clone(istioObjects.find((o) => o.kind === 'RequestAuthentication')!);
    const rule = (spec(ra).jwtRules as Json[])[0]!;
    rule.jwksUri = 'ftp://example.com/jwks.json';
    const problems = problemsOf(ra);
    expect(problems).toMatch(/spec\.jwtRules\[0\]\.jwksUri: url must have scheme http:\/\/ or https:\/\//);
    expect(problems).toMatch(/spec\.jwtRules\[0\]: only one of jwks or jwksUri can be set/);
  });

  describe('on CRDs made up for the test', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-kit-cel-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const crdWith = (rules: Json[]): string => {
      const file = join(dir, `crd-${Math.random().toString(36).slice(2)}.yaml`);
      const crd = {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.example.com' },
        spec: {
          group: 'example.com',
          names: { kind: 'Widget' },
          versions: [
            {
              name: 'v1',
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object',
                      properties: {
                        items: { type: 'array', items: { type: 'integer' }, 'x-kubernetes-validations': rules },
                      },
                    },
                  },
                },
              },
            },
          ],
        },
      };
      writeFileSync(file, stringify(crd));
      return file;
    };
    const widget = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace: 'n' },
      spec: { items: [3, 1] },
    };

    it('fails loudly, naming the rule, when a rule calls a function that is not implemented', () => {
      const validator = celValidator(crdWith([{ rule: 'self.isSorted()', message: 'must be sorted' }]));
      expect(validator.rules()[0]!.unimplemented).toEqual(['isSorted']);
      expect(validator.validate(widget)).toEqual([
        'Widget n/w: spec.items: rule `self.isSorted()` calls isSorted, not implemented in test/support/kubernetes-cel.ts',
      ]);
    });

    it('skips and counts transition rules (oldSelf), and prefers messageExpression to message', () => {
      const validator = celValidator(
        crdWith([
          { rule: 'self == oldSelf', message: 'immutable' },
          {
            rule: 'self.size() < 2',
            message: 'too many',
            messageExpression: "'has ' + string(self.size()) + ' items'",
          },
        ]),
      );
      expect(validator.counts()).toEqual({ 'widgets.example.com v1': { evaluated: 1, skippedOldSelf: 1 } });
      expect(validator.validate(widget)).toEqual(['Widget n/w: spec.items: has 2 items [rule: self.size() < 2]']);
    });
  });
});
