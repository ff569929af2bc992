import { Construct } from 'constructs';
import {
  type EnvVar,
  IntOrString,
  KubeService,
  KubeServiceAccount,
  KubeStatefulSet,
  type Probe,
  Quantity,
} from '../../imports/k8s.js';
import type { BackingServiceSpec, Resources } from '@mesh-kit/catalog';
import { PART_OF, podLabels, sidecarAnnotations } from '../mesh-names.js';
import { type AllowedCaller, ServiceAuthorization } from './service-authorization.js';
import { ServiceEgress } from './service-egress.js';

/** A probe, as the Kubernetes 1.35 schema types it. */
export type ProbeSpec = Probe;

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
  readonly env?: readonly EnvVar[];
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

    new KubeServiceAccount(this, 'service-account', {
      metadata,
      automountServiceAccountToken: false,
    });
    new KubeService(this, 'service', {
      metadata,
      spec: {
        selector,
        ports: [
          { name: spec.portName, port: spec.port, targetPort: IntOrString.fromNumber(spec.port), protocol: 'TCP' },
        ],
      },
    });
    new KubeStatefulSet(this, 'stateful-set', {
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
                    cpu: Quantity.fromString(`${spec.resources.cpuRequestMilli}m`),
                    memory: Quantity.fromString(`${spec.resources.memoryRequestMi}Mi`),
                  },
                  limits: {
                    cpu: Quantity.fromString(`${spec.resources.cpuLimitMilli}m`),
                    memory: Quantity.fromString(`${spec.resources.memoryLimitMi}Mi`),
                  },
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
              ...scratch.map((_, i) => ({
                name: `scratch-${i}`,
                emptyDir: { sizeLimit: Quantity.fromString('64Mi') },
              })),
              ...(props.configMap === undefined ? [] : [{ name: 'config', configMap: { name: props.configMap.name } }]),
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data', labels: { ...PART_OF, app: name } },
            spec: {
              accessModes: ['ReadWriteOnce'],
              resources: { requests: { storage: Quantity.fromString(`${spec.storageGi}Gi`) } },
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
