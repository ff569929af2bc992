import { describe, expect, it } from 'vitest';
import { catalog, usesBroker } from '@mesh-kit/catalog';
import { find, synthObjects } from './support/shop.js';

interface Container {
  args: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  containers: Container[];
  volumes: { name: string; configMap?: { name: string } }[];
}

const objects = synthObjects();
const nats = find(objects, 'StatefulSet', 'nats');
const pod = (nats.spec as { template: { spec: PodSpec; metadata: { annotations: Record<string, string> } } }).template;
const server = pod.spec.containers[0]!;
const config = find(objects, 'ConfigMap', 'nats-config');

describe('the broker configuration', () => {
  it('is the mounted ConfigMap the server is started with', () => {
    const path = server.args[server.args.indexOf('--config') + 1]!;
    const volume = pod.spec.volumes.find((v) => v.configMap?.name === 'nats-config')!;
    const mount = server.volumeMounts.find((m) => m.name === volume.name)!;
    expect(mount.readOnly).toBe(true);
    expect(path.startsWith(`${mount.mountPath}/`)).toBe(true);
    expect(Object.keys(config.data as Record<string, string>)).toEqual([path.slice(mount.mountPath.length + 1)]);
  });

  it("reads every user's password from the env, each from that service's Secret, and holds none itself", () => {
    const text = (config.data as Record<string, string>)['nats.conf']!;
    const variables = [...text.matchAll(/password: \$([A-Z0-9_]+)/g)].map((m) => m[1]);
    const env = new Map((server.env ?? []).map((e) => [e.name, e.valueFrom?.secretKeyRef]));
    // The services', then the streams' bootstrap and the operator (docs/operations.md, "Broker").
    const users = [...catalog.services.filter(usesBroker).map((s) => s.name), 'broker-bootstrap', 'broker-admin'];
    expect(variables).toHaveLength(users.length);
    for (const [i, user] of users.entries()) {
      expect(env.get(variables[i]!)).toEqual({ name: `${user}-nats`, key: 'password' });
    }
    expect((server.env ?? []).every((e) => e.value === undefined)).toBe(true);
  });

  it('gives each service that uses events its broker user and the password Secret the server reads', () => {
    for (const spec of catalog.services.filter(usesBroker)) {
      const deployment = find(objects, 'Deployment', spec.name);
      const env = (deployment.spec as { template: { spec: PodSpec } }).template.spec.containers[0]!.env ?? [];
      expect(env.find((e) => e.name === 'NATS_USER')?.value).toBe(spec.name);
      expect(env.find((e) => e.name === 'NATS_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({
        name: `${spec.name}-nats`,
        key: 'password',
      });
    }
  });

  it('rolls the server when its users or permissions change', () => {
    expect(pod.metadata.annotations['mesh-kit.dev/config-digest']).toMatch(/^[0-9a-f]{16}$/);
    const changed = synthObjects({
      ...catalog,
      services: catalog.services.map((s) => (s.name === 'analytics' ? { ...s, consumes: [] } : s)),
    });
    const other = find(changed, 'StatefulSet', 'nats').spec as {
      template: { metadata: { annotations: Record<string, string> } };
    };
    expect(other.template.metadata.annotations['mesh-kit.dev/config-digest']).not.toBe(
      pod.metadata.annotations['mesh-kit.dev/config-digest'],
    );
  });
});
