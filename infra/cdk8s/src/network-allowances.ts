import { type Catalog, type PodsSpec, usesBroker } from '@mesh-kit/catalog';
import { BROKER_BOOTSTRAP } from './broker-permissions.js';

export type NetworkProtocol = 'TCP' | 'UDP';

export interface NetworkPort {
  readonly port: number;
  readonly protocol: NetworkProtocol;
}

/** Pods by labels, in the shop's namespace unless `namespace` names another. */
export interface NetworkPeer {
  readonly namespace?: string;
  readonly podLabels: Readonly<Record<string, string>>;
}

/** Traffic with any of `peers` on any of `ports` (pod ports, as NetworkPolicy sees them). */
export interface NetworkRule {
  readonly peers: readonly NetworkPeer[];
  readonly ports: readonly NetworkPort[];
}

/** What one workload of the namespace may receive and send beside the namespace's default deny. */
export interface WorkloadAllowance {
  readonly name: string;
  /** The workload's pod selector (`app`). */
  readonly selector: Readonly<Record<string, string>>;
  readonly ingress: readonly NetworkRule[];
  readonly egress: readonly NetworkRule[];
}

/** The Job that creates the databases; it connects to PostgreSQL like an owner. */
export const POSTGRES_INIT = 'postgres-init';

const tcp = (port: number): NetworkPort => ({ port, protocol: 'TCP' });
const local = (app: string): NetworkPeer => ({ podLabels: { app } });
const remote = (pods: PodsSpec): NetworkPeer => ({ namespace: pods.namespace, podLabels: pods.podLabels });

/**
 * Law 4 at layer 3/4, from the same call graph as the AuthorizationPolicies: each workload admits its
 * declared callers on its own port (the ingress gateway for public routes and its ext_authz checks,
 * the owners on PostgreSQL, the event services on NATS, Prometheus on the merged metrics port) and
 * reaches only its declared dependencies, plus what every sidecar needs: DNS, istiod (xDS and certificates) and the trace
 * collector. Ports are pod ports: NetworkPolicy sees traffic after the Service's port mapping.
 */
export function workloadAllowances(catalog: Catalog): WorkloadAllowance[] {
  const { network, postgres, nats } = catalog;
  const scrape: NetworkRule = { peers: [remote(network.prometheus)], ports: [tcp(network.mergedMetricsPort)] };
  const platform: NetworkRule[] = [
    { peers: [remote(network.dns)], ports: network.dns.ports },
    { peers: [remote(network.istiod)], ports: network.istiod.ports },
    { peers: [remote(network.collector)], ports: network.collector.ports },
  ];
  const gateway: NetworkPeer = { namespace: catalog.ingress.namespace, podLabels: catalog.ingress.selector };
  const owners = catalog.services.filter((s) => s.database !== undefined).map((s) => s.name);
  const brokerClients = catalog.services.filter(usesBroker).map((s) => s.name);
  const withPeers = (rule: NetworkRule): NetworkRule[] => (rule.peers.length === 0 ? [] : [rule]);

  const services = catalog.services.map((spec): WorkloadAllowance => {
    const callers = catalog.services.filter((c) => c.calls.some((call) => call.service === spec.name));
    // The gateway forwards public routes and, to the API-key service, its ext_authz checks.
    const fromGateway = spec.gateway.length > 0 || spec.name === catalog.ingress.apiKeys.service;
    const callees = [...new Set(spec.calls.map((c) => c.service))].map((name) => {
      const callee = catalog.services.find((s) => s.name === name);
      if (callee === undefined) throw new Error(`${spec.name} calls unknown service '${name}'`);
      return { peers: [local(callee.name)], ports: [tcp(callee.port)] };
    });
    return {
      name: spec.name,
      selector: { app: spec.name },
      ingress: [
        ...withPeers({
          peers: [...callers.map((c) => local(c.name)), ...(fromGateway ? [gateway] : [])],
          ports: [tcp(spec.port)],
        }),
        scrape,
      ],
      egress: [
        ...callees,
        ...(spec.database === undefined ? [] : [{ peers: [local(postgres.name)], ports: [tcp(postgres.port)] }]),
        ...(usesBroker(spec) ? [{ peers: [local(nats.name)], ports: [tcp(nats.port)] }] : []),
        ...(spec.callsGateway === true ? [{ peers: [gateway], ports: network.ingressPorts.map(tcp) }] : []),
        ...platform,
      ],
    };
  });
  return [
    ...services,
    {
      name: postgres.name,
      selector: { app: postgres.name },
      ingress: [...withPeers({ peers: [...owners, POSTGRES_INIT].map(local), ports: [tcp(postgres.port)] }), scrape],
      egress: platform,
    },
    {
      // The monitoring port is on no list: no pod reaches it (the kubelet's probes are not pod traffic).
      name: nats.name,
      selector: { app: nats.name },
      ingress: [
        ...withPeers({ peers: [...brokerClients, BROKER_BOOTSTRAP].map(local), ports: [tcp(nats.port)] }),
        scrape,
      ],
      egress: platform,
    },
    {
      name: BROKER_BOOTSTRAP,
      selector: { app: BROKER_BOOTSTRAP },
      ingress: [scrape],
      egress: [{ peers: [local(nats.name)], ports: [tcp(nats.port)] }, ...platform],
    },
    {
      name: POSTGRES_INIT,
      selector: { app: POSTGRES_INIT },
      ingress: [scrape],
      egress: [{ peers: [local(postgres.name)], ports: [tcp(postgres.port)] }, ...platform],
    },
  ];
}
