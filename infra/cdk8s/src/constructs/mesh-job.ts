import { Construct } from 'constructs';
import { KubeJob, KubeServiceAccount, Quantity, type EnvVar } from '../../imports/k8s.js';
import { PART_OF, podLabels } from '../mesh-names.js';
import { ServiceEgress } from './service-egress.js';

/** CPU in millicores and memory in MiB. */
export interface JobResources {
  readonly cpuRequestMilli: number;
  readonly memoryRequestMi: number;
  readonly cpuLimitMilli: number;
  readonly memoryLimitMi: number;
}

export interface MeshJobProps {
  /** The app label, the ServiceAccount's and the container's name. */
  readonly name: string;
  /** The Job's own name: a pod template cannot change, so it carries digests of what it runs. */
  readonly jobName: string;
  readonly namespace: string;
  readonly version: string;
  readonly image: string;
  readonly command: readonly string[];
  readonly env: readonly EnvVar[];
  /** The user and group the container runs as (non-root). */
  readonly uid: number;
  readonly resources: JobResources;
  /** `<namespace>/<host>` entries the Job's proxy may reach. */
  readonly egress: readonly string[];
  /**
   * Retries before the Job is Failed. The programs wait for what they need themselves, so a
   * failure is real; scripts/apply.sh reports a Failed Job at once.
   * @default 2
   */
  readonly backoffLimit?: number;
}

/**
 * A one-shot Job in the mesh: its own ServiceAccount without a token, one container under the Pod
 * Security Standard `restricted` (non-root, no privilege escalation, all capabilities dropped, a
 * read-only root, the runtime's seccomp profile), and a Sidecar that lets its proxy reach only
 * `egress`.
 */
export class MeshJob extends Construct {
  constructor(scope: Construct, id: string, props: MeshJobProps) {
    super(scope, id);
    const { name, namespace, resources: r } = props;
    const metadata = { name, namespace, labels: { ...PART_OF, app: name } };
    new KubeServiceAccount(this, 'service-account', { metadata, automountServiceAccountToken: false });
    new KubeJob(this, 'job', {
      metadata: { ...metadata, name: props.jobName },
      spec: {
        backoffLimit: props.backoffLimit ?? 2,
        template: {
          metadata: { labels: podLabels(name, props.version) },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            restartPolicy: 'Never',
            securityContext: {
              runAsNonRoot: true,
              runAsUser: props.uid,
              runAsGroup: props.uid,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name,
                image: props.image,
                imagePullPolicy: 'IfNotPresent',
                command: [...props.command],
                env: [...props.env],
                resources: {
                  requests: {
                    cpu: Quantity.fromString(`${r.cpuRequestMilli}m`),
                    memory: Quantity.fromString(`${r.memoryRequestMi}Mi`),
                  },
                  limits: {
                    cpu: Quantity.fromString(`${r.cpuLimitMilli}m`),
                    memory: Quantity.fromString(`${r.memoryLimitMi}Mi`),
                  },
                },
                securityContext: {
                  runAsNonRoot: true,
                  allowPrivilegeEscalation: false,
                  privileged: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
              },
            ],
          },
        },
      },
    });
    new ServiceEgress(this, 'egress', { name, namespace, selector: { app: name }, hosts: props.egress });
  }
}
