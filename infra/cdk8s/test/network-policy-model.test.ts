/**
 * The rules of the NetworkPolicy model (support/network-policy-model.ts), each on a small policy
 * written for it, as networking/v1/types.go (Kubernetes v1.35.0) defines them.
 */
import { describe, expect, it } from 'vitest';
import { type Pod, type Port, allowed } from './support/network-policy-model.js';
import type { KubeObject } from './support/shop.js';

const policy = (namespace: string, spec: Record<string, unknown>): KubeObject =>
  ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'p', namespace },
    spec,
  }) as KubeObject;

const web: Pod = {
  name: 'web',
  namespace: 'shop',
  labels: { app: 'web' },
  namedPorts: { http: { port: 3000, protocol: 'TCP' } },
};
const client: Pod = { name: 'client', namespace: 'shop', labels: { app: 'client', tier: 'front' } };
const debug: Pod = { name: 'debug', namespace: 'shop', labels: { app: 'debug' } };
const monitor: Pod = { name: 'monitor', namespace: 'monitoring', labels: { app: 'client' } };
const tcp = (port: number): Port => ({ port, protocol: 'TCP' });
const onlyWeb = { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] };

describe('the NetworkPolicy model, rule by rule', () => {
  it('an empty or missing from/ports list matches every source and every port', () => {
    const emptyLists = [policy('shop', { ...onlyWeb, ingress: [{ from: [], ports: [] }] })];
    expect(allowed(emptyLists, monitor, web, tcp(9999))).toBe(true);
    const missing = [policy('shop', { ...onlyWeb, ingress: [{}] })];
    expect(allowed(missing, monitor, web, tcp(9999))).toBe(true);
    const none = [policy('shop', { ...onlyWeb, ingress: [] })];
    expect(allowed(none, client, web, tcp(3000))).toBe(false);
  });

  it('without policyTypes a policy isolates ingress, and egress only when it has an egress section', () => {
    const ingressOnly = [policy('shop', { podSelector: {}, ingress: [] })];
    expect(allowed(ingressOnly, client, web, tcp(3000))).toBe(false);
    expect(allowed(ingressOnly, client, monitor, tcp(3000))).toBe(true);
    const withEgress = [policy('shop', { podSelector: {}, ingress: [{}], egress: [] })];
    expect(allowed(withEgress, client, monitor, tcp(3000))).toBe(false);
  });

  it('a named port is the destination pod’s container port of that name', () => {
    const named = [policy('shop', { ...onlyWeb, ingress: [{ ports: [{ port: 'http' }] }] })];
    expect(allowed(named, client, web, tcp(3000))).toBe(true);
    expect(allowed(named, client, web, tcp(3001))).toBe(false);
    expect(allowed(named, client, web, { port: 3000, protocol: 'UDP' })).toBe(false);
  });

  it('endPort opens the range port..endPort inclusive', () => {
    const range = [policy('shop', { ...onlyWeb, ingress: [{ ports: [{ port: 3000, endPort: 3002 }] }] })];
    expect([2999, 3000, 3002, 3003].map((p) => allowed(range, client, web, tcp(p)))).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  it('matchExpressions count: NotIn matches a pod without the key, In needs it', () => {
    const notFront = [
      policy('shop', {
        ...onlyWeb,
        ingress: [
          { from: [{ podSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] } }] },
        ],
      }),
    ];
    expect(allowed(notFront, client, web, tcp(3000))).toBe(false);
    expect(allowed(notFront, debug, web, tcp(3000))).toBe(true);
    const front = [
      policy('shop', {
        ...onlyWeb,
        ingress: [
          { from: [{ podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }] } }] },
        ],
      }),
    ];
    expect(allowed(front, client, web, tcp(3000))).toBe(true);
    expect(allowed(front, debug, web, tcp(3000))).toBe(false);
  });

  it('namespaceSelector and podSelector in one peer select both; in two peers, either', () => {
    const ns = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } };
    const pods = { podSelector: { matchLabels: { app: 'client' } } };
    const onePeer = [policy('shop', { ...onlyWeb, ingress: [{ from: [{ ...ns, ...pods }] }] })];
    expect(allowed(onePeer, monitor, web, tcp(3000))).toBe(true);
    expect(allowed(onePeer, client, web, tcp(3000))).toBe(false);
    const twoPeers = [policy('shop', { ...onlyWeb, ingress: [{ from: [ns, pods] }] })];
    expect(allowed(twoPeers, client, web, tcp(3000))).toBe(true);
    expect(allowed(twoPeers, { ...monitor, labels: { app: 'other' } }, web, tcp(3000))).toBe(true);
    // A podSelector alone means the policy's own namespace.
    const podsOnly = [policy('shop', { ...onlyWeb, ingress: [{ from: [pods] }] })];
    expect(allowed(podsOnly, monitor, web, tcp(3000))).toBe(false);
  });

  it('refuses ipBlock peers, which it does not model', () => {
    const cidr = [policy('shop', { ...onlyWeb, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] })];
    expect(() => allowed(cidr, client, web, tcp(3000))).toThrow(/ipBlock/);
  });
});
