import { describe, expect, it } from 'vitest';
import { apiServerProblems } from './support/api-server-checks.js';
import {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isLabelValue,
  isQualifiedName,
  isRelaxedEnvVarName,
  isValidPortName,
} from './support/apimachinery-validation.js';
import { type KubeObject, find, synthObjects } from './support/shop.js';

const objects = synthObjects();
const clone = <T>(value: T): T => structuredClone(value);
type Json = Record<string, unknown>;
const podOf = (object: KubeObject): Json => ((object.spec as Json).template as Json).spec as Json;
const containerOf = (object: KubeObject, i = 0): Json => (podOf(object).containers as Json[])[i]!;
const problemsOf = (object: KubeObject): string => apiServerProblems(object).join('\n');

describe("the API server's built-in checks (Kubernetes 1.35)", () => {
  it.each(objects.map((o) => [`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`, o] as const))(
    '%s passes',
    (_name, object) => {
      expect(apiServerProblems(object)).toEqual([]);
    },
  );

  describe('the formats, on the examples of apimachinery', () => {
    it.each([
      [
        'DNS-1123 label',
        isDNS1123Label,
        ['a', 'my-name', '123-abc', 'a'.repeat(63)],
        ['', 'A', '-a', 'a-', 'a.b', 'a'.repeat(64)],
      ],
      [
        'DNS-1123 subdomain',
        isDNS1123Subdomain,
        ['example.com', 'a', '1.2'],
        ['', 'a..b', '.a', 'A.com', `${'a'.repeat(63)}.`.repeat(4) + 'a'],
      ],
      ['DNS-1035 label', isDNS1035Label, ['my-name', 'abc-123'], ['1-test', '123', 'a-', 'Abc']],
      [
        'label key',
        isQualifiedName,
        ['app', 'MyName', 'my.name', '123-abc', 'app.kubernetes.io/name', 'example.com/My_Name'],
        ['', '/a', 'a/', 'a/b/c', 'Example.com/a', '-a', 'a-', 'x'.repeat(64), 'a b'],
      ],
      [
        'label value',
        isLabelValue,
        ['', 'MyValue', 'my_value', '12345', 'v1.2'],
        ['-a', 'a-', 'a b', 'x'.repeat(64), 'a/b'],
      ],
      [
        'IANA_SVC_NAME port name',
        isValidPortName,
        ['http', 'tcp-postgres', 'http-monitor', 'a1', 'x'.repeat(15)],
        ['', '80', 'HTTP', 'http_2', '-http', 'http-', 'http--x', 'x'.repeat(16)],
      ],
      [
        'relaxed env var name',
        isRelaxedEnvVarName,
        ['PORT', 'my.env-name', '1ABC', 'A B'],
        ['', 'A=B', 'naïve', 'TAB\t'],
      ],
    ] as const)('%s', (_name, check, valid, invalid) => {
      for (const v of valid) expect(check(v), `${JSON.stringify(v)} should be valid`).toEqual([]);
      for (const v of invalid) expect(check(v).length, `${JSON.stringify(v)} should be invalid`).toBeGreaterThan(0);
    });

    it('counts length in bytes as Go does, with the message of the package each check comes from', () => {
      // content/kube.go (label keys and values): "bytes"; validation.go (DNS names, port names): "characters".
      expect(isLabelValue('é'.repeat(32))).toContain('must be no more than 63 bytes');
      expect(isQualifiedName(`${'x'.repeat(64)}`)).toContain('name part must be no more than 63 bytes');
      expect(isQualifiedName(`${'a'.repeat(254)}/x`)).toContain('prefix part must be no more than 253 bytes');
      expect(isDNS1123Label('a'.repeat(64))).toContain('must be no more than 63 characters');
      expect(isValidPortName('x'.repeat(16))).toContain('must be no more than 15 characters');
    });
  });

  it('object names: a subdomain in general, a DNS-1123 label for a Namespace, a DNS-1035 label for a Service', () => {
    const deployment = clone(find(objects, 'Deployment', 'users'));
    deployment.metadata.name = 'Users';
    expect(problemsOf(deployment)).toMatch(
      /^Deployment shop\/Users: metadata\.name: Invalid value: "Users": a lowercase RFC 1123 subdomain/,
    );
    const namespace = clone(find(objects, 'Namespace', 'shop'));
    namespace.metadata.name = 'shop.example';
    expect(problemsOf(namespace)).toMatch(/^Namespace \/shop\.example: metadata\.name: .*must not contain dots/);
    const svc = clone(find(objects, 'Service', 'users'));
    svc.metadata.name = '1users';
    expect(problemsOf(svc)).toMatch(/^Service shop\/1users: metadata\.name: Invalid value: "1users": a DNS-1035 label/);
    const policy = clone(find(objects, 'AuthorizationPolicy', 'orders'));
    policy.metadata.name = 'orders_policy';
    expect(problemsOf(policy)).toMatch(
      /^AuthorizationPolicy shop\/orders_policy: metadata\.name: .*RFC 1123 subdomain/,
    );
  });

  it('label keys and values, on the object, the pod template and the selectors', () => {
    const deployment = clone(find(objects, 'Deployment', 'orders'));
    deployment.metadata.labels!['mesh-kit/part of'] = 'x';
    ((deployment.spec as Json).template as { metadata: { labels: Json } }).metadata.labels.version = 'v1 beta';
    ((deployment.spec as Json).selector as { matchLabels: Json }).matchLabels['app'] = `${'o'.repeat(64)}`;
    const problems = problemsOf(deployment);
    expect(problems).toMatch(
      /Deployment shop\/orders: metadata\.labels: Invalid value: "mesh-kit\/part of": name part must consist of/,
    );
    expect(problems).toMatch(
      /spec\.template\.metadata\.labels\[version\]: Invalid value: "v1 beta": a valid label must be/,
    );
    expect(problems).toMatch(/spec\.selector\.matchLabels\[app\]: Invalid value: "o+": must be no more than 63 bytes/);
    const svc = clone(find(objects, 'Service', 'orders'));
    (svc.spec as { selector: Json }).selector['app.kubernetes.io/'] = 'orders';
    expect(problemsOf(svc)).toMatch(
      /Service shop\/orders: spec\.selector: Invalid value: "app\.kubernetes\.io\/": name part must be non-empty/,
    );
  });

  it('annotation keys (checked lower-cased)', () => {
    const deployment = clone(find(objects, 'Deployment', 'users'));
    const template = (deployment.spec as Json).template as { metadata: { annotations: Json } };
    template.metadata.annotations['sidecar.istio.io/proxy CPU'] = '10m';
    template.metadata.annotations['Sidecar.Istio.io/proxyCPU'] = '10m';
    expect(apiServerProblems(deployment)).toEqual([
      "Deployment shop/users: spec.template.metadata.annotations: Invalid value: \"sidecar.istio.io/proxy CPU\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName' or 'my.name' or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ]);
  });

  it('container port names (IANA_SVC_NAME), unique within the pod; a named probe port', () => {
    const statefulSet = clone(find(objects, 'StatefulSet', 'nats'));
    const ports = containerOf(statefulSet).ports as Json[];
    ports[0]!.name = 'tcp-nats-client-port';
    ports[1]!.name = 'tcp-nats-client-port';
    containerOf(statefulSet).livenessProbe = { tcpSocket: { port: 'Client' } };
    const problems = problemsOf(statefulSet);
    expect(problems).toMatch(
      /StatefulSet shop\/nats: spec\.template\.spec\.containers\[0\]\.ports\[0\]\.name: Invalid value: "tcp-nats-client-port": must be no more than 15 characters/,
    );
    expect(problems).toMatch(/containers\[0\]\.ports\[1\]\.name: Duplicate value: "tcp-nats-client-port"/);
    expect(problems).toMatch(
      /containers\[0\]\.livenessProbe\.tcpSocket\.port: Invalid value: "Client": must contain only alpha-numeric/,
    );
    const deployment = clone(find(objects, 'Deployment', 'users'));
    (containerOf(deployment).ports as Json[])[0]!.name = 'http--api';
    expect(problemsOf(deployment)).toMatch(
      /ports\[0\]\.name: Invalid value: "http--api": must not contain consecutive hyphens/,
    );
  });

  it('Service port names (DNS-1123 labels, required and unique when there are several) and named target ports', () => {
    const svc = clone(find(objects, 'Service', 'nats'));
    const ports = (svc.spec as { ports: Json[] }).ports;
    ports[0]!.name = 'Client';
    ports.push({ port: 8222, targetPort: 8222, protocol: 'TCP' });
    ports[0]!.targetPort = 'tcp_client';
    const problems = problemsOf(svc);
    expect(problems).toMatch(
      /Service shop\/nats: spec\.ports\[0\]\.name: Invalid value: "Client": a lowercase RFC 1123 label/,
    );
    expect(problems).toMatch(/spec\.ports\[1\]\.name: Required value/);
    expect(problems).toMatch(
      /spec\.ports\[0\]\.targetPort: Invalid value: "tcp_client": must contain only alpha-numeric/,
    );
  });

  it('container names (DNS-1123 labels, unique across init and app containers) and env var names', () => {
    const deployment = clone(find(objects, 'Deployment', 'orders'));
    const pod = podOf(deployment);
    pod.initContainers = [{ name: 'orders', image: 'busybox' }];
    (pod.containers as Json[]).push({
      name: 'Audit_Log',
      image: 'busybox',
      env: [
        { name: 'A=B', value: 'x' },
        { name: '', value: 'y' },
      ],
    });
    const problems = problemsOf(deployment);
    expect(problems).toMatch(/spec\.template\.spec\.containers\[0\]\.name: Duplicate value: "orders"/);
    expect(problems).toMatch(
      /spec\.template\.spec\.containers\[1\]\.name: Invalid value: "Audit_Log": a lowercase RFC 1123 label/,
    );
    expect(problems).toMatch(
      /containers\[1\]\.env\[0\]\.name: Invalid value: "A=B": .*printable ASCII characters other than '='/,
    );
    expect(problems).toMatch(
      /containers\[1\]\.env\[1\]\.name: Invalid value: "": environment variable name must be non-empty/,
    );
  });
});
