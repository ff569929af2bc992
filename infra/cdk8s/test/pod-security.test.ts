import { describe, expect, it } from 'vitest';
import { find, synthObjects } from './support/shop.js';
import { podSpecOf, restrictedViolations } from './support/pod-security.js';

const objects = synthObjects();
const workloads = objects.filter((o) => podSpecOf(o) !== undefined);

describe('Pod Security Standard restricted', () => {
  it('covers every workload kind the shop ships', () => {
    expect(new Set(workloads.map((o) => o.kind))).toEqual(new Set(['Deployment', 'StatefulSet', 'Job']));
  });

  it.each(workloads.map((o) => [`${o.kind} ${o.metadata.name}`, o] as const))('%s passes', (_name, object) => {
    expect(restrictedViolations(podSpecOf(object)!)).toEqual([]);
  });

  it('the namespace enforces restricted', () => {
    const labels = find(objects, 'Namespace', 'shop').metadata.labels!;
    expect(labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(labels['istio-injection']).toBe('enabled');
  });

  it('fails a pod without seccomp, dropped capabilities or non-root', () => {
    const pod = structuredClone(podSpecOf(find(objects, 'Deployment', 'orders'))!);
    delete (pod.securityContext as Record<string, unknown>).seccompProfile;
    delete (pod.securityContext as Record<string, unknown>).runAsNonRoot;
    const container = (pod.containers as Record<string, Record<string, unknown>>[])[0]!;
    delete container.securityContext!.capabilities;
    delete container.securityContext!.runAsNonRoot;
    pod.volumes = [{ name: 'host', hostPath: { path: '/' } }];
    expect(restrictedViolations(pod)).toEqual([
      'volume host has type hostPath',
      'orders: runAsNonRoot must be true',
      'orders: seccompProfile must be RuntimeDefault or Localhost',
      'orders: capabilities must drop ALL',
    ]);
  });

  it('follows the checks of pod-security-admission v0.35.0: probe hosts, hostProcess, the 1.32 sysctls', () => {
    const pod = structuredClone(podSpecOf(find(objects, 'Deployment', 'orders'))!);
    const container = (pod.containers as Record<string, Record<string, unknown>>[])[0]!;
    container.readinessProbe = { httpGet: { host: '10.0.0.1', path: '/readyz', port: 3000 } };
    container.lifecycle = { preStop: { tcpSocket: { host: 'metadata', port: 80 } } };
    (container.securityContext as Record<string, unknown>).windowsOptions = { hostProcess: true };
    (pod.securityContext as Record<string, unknown>).sysctls = [
      { name: 'net.ipv4.tcp_rmem', value: '4096 87380 6291456' },
    ];
    expect(restrictedViolations(pod)).toEqual([
      'orders: windowsOptions.hostProcess must not be true',
      'orders: probe or lifecycle host 10.0.0.1',
      'orders: probe or lifecycle host metadata',
    ]);
  });
});
