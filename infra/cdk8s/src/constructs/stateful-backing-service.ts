import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { BackingServiceSpec, Resources } from '../catalog.js';
import { PART_OF, podLabels, sidecarAnnotations } from '../mesh-names.js';
import { type AllowedCaller, ServiceAuthorization } from './service-authorization.js';
import { ServiceEgress } from './service-egress.js';

/** A probe, in the Kubernetes wire format. */
export type ProbeSpec = Record<string, unknown>;

export interface StatefulBackingServiceProps {
  readonly spec: BackingServiceSpec;
  readonly namespace: string;
  readonly version: string;
  /** Non-root UID the image's server runs as (its data files belong to it). */
  readonly runAsUser: number;
  /**
   * Container arguments.
   * @default the image's own
   */
  readonly args?: readonly string[];
  /**
   * Container env, in the Kubernetes wire format (secrets by `secretKeyRef` only).
   * @default none
   */
  readonly env?: readonly Record<string, unknown>[];
  /** Where the PersistentVolumeClaim is mounted. */
  readonly dataPath: string;
  /**
   * Writable emptyDir mounts besides /tmp (the root filesystem is read-only).
   * @default none
   */
  readonly scratchPaths?: readonly string[];
  /**
   * Extra container ports, not exposed by the Service (monitoring).
   * @default none
   */
  readonly extraPorts?: readonly { readonly name: string; readonly containerPort: number }[];
  /**
   * A ConfigMap mounted read-only at `mountPath` (the server's configuration file).
   * @default none
   */
  readonly configMap?: { readonly name: string; readonly mountPath: string };
  /**
   * Extra pod annotations (a configuration digest that rolls the pod when it changes).
   * @default none
   */
  readonly podAnnotations?: Readonly<Record<string, string>>;
  readonly readiness: ProbeSpec;
  readonly liveness: ProbeSpec;
  /** Requests and limits of the injected istio-proxy. */
  readonly sidecar: Resources;
  /** Principals allowed to open connections (TCP: no methods or paths). */
  readonly callers: readonly string[];
  /** `<namespace>/<host>` entries the proxy may reach. */
  readonly egress: readonly string[];
}

/**
 * A single-replica StatefulSet with a PersistentVolumeClaim, its Service (TCP port named for Istio's
 * protocol selection), ServiceAccount, an ALLOW policy for its clients and a Sidecar.
 */
export class StatefulBackingService extends Construct {
  constructor(scope: Construct, id: string, props: StatefulBackingServiceProps) {
    super(scope, id);
    const { spec, namespace } = props;
    const name = spec.name;
    const labels = podLabels(name, props.version);
    const selector = { app: name };
    const metadata = { name, namespace, labels: { ...PART_OF, app: name } };
    const scratch = ['/tmp', ...(props.scratchPaths ?? [])];

    new ApiObject(this, 'service-account', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata,
      automountServiceAccountToken: false,
    });
    new ApiObject(this, 'service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: {
        selector,
        ports: [{ name: spec.portName, port: spec.port, targetPort: spec.port, protocol: 'TCP' }],
      },
    });
    new ApiObject(this, 'stateful-set', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata,
      spec: {
        serviceName: name,
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: {
            labels,
            annotations: {
              ...sidecarAnnotations(props.sidecar),
              ...props.podAnnotations,
            },
          },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 30,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: props.runAsUser,
              runAsGroup: props.runAsUser,
              fsGroup: props.runAsUser,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name,
                image: spec.image,
                imagePullPolicy: 'IfNotPresent',
                ...(props.args === undefined ? {} : { args: [...props.args] }),
                ...(props.env === undefined ? {} : { env: [...props.env] }),
                ports: [
                  { name: spec.portName, containerPort: spec.port, protocol: 'TCP' },
                  ...(props.extraPorts ?? []).map((p) => ({ ...p, protocol: 'TCP' })),
                ],
                resources: {
                  requests: {
                    cpu: `${spec.resources.cpuRequestMilli}m`,
                    memory: `${spec.resources.memoryRequestMi}Mi`,
                  },
                  limits: { cpu: `${spec.resources.cpuLimitMilli}m`, memory: `${spec.resources.memoryLimitMi}Mi` },
                },
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser: props.runAsUser,
                  runAsGroup: props.runAsUser,
                  allowPrivilegeEscalation: false,
                  privileged: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
                readinessProbe: props.readiness,
                livenessProbe: props.liveness,
                volumeMounts: [
                  { name: 'data', mountPath: props.dataPath },
                  ...scratch.map((path, i) => ({ name: `scratch-${i}`, mountPath: path })),
                  ...(props.configMap === undefined
                    ? []
                    : [{ name: 'config', mountPath: props.configMap.mountPath, readOnly: true }]),
                ],
              },
            ],
            volumes: [
              ...scratch.map((_, i) => ({ name: `scratch-${i}`, emptyDir: { sizeLimit: '64Mi' } })),
              ...(props.configMap === undefined ? [] : [{ name: 'config', configMap: { name: props.configMap.name } }]),
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data', labels: { ...PART_OF, app: name } },
            spec: {
              accessModes: ['ReadWriteOnce'],
              resources: { requests: { storage: `${spec.storageGi}Gi` } },
            },
          },
        ],
      },
    });
    const callers: AllowedCaller[] = props.callers.map((p) => ({ principal: p }));
    new ServiceAuthorization(this, 'authorization', { name, namespace, selector, callers });
    new ServiceEgress(this, 'egress', { name, namespace, selector, hosts: props.egress });
  }
}
