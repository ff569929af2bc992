import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import { MeshJob } from './mesh-job.js';

export interface BrokerBootstrapProps {
  /** The Job's and its ServiceAccount's name, and the broker user it connects as. */
  readonly name: string;
  readonly namespace: string;
  readonly version: string;
  /** An image holding the bootstrap program (orders' image: `dist/bootstrap-streams.js`). */
  readonly image: string;
  /** The program, relative to the image's working directory. */
  readonly entry: string;
  /** `nats://host:port` of the broker. */
  readonly natsUrl: string;
  /** The Secret (key `password`) of the bootstrap's broker user. */
  readonly passwordSecret: string;
  /** The streams' limits, as the program reads them (`EVENT_STREAM_LIMITS`). */
  readonly limits: unknown;
  /** `<namespace>/<host>` entries the Job's proxy may reach. */
  readonly egress: readonly string[];
}

/**
 * A Job, in the mesh, that creates the event streams or brings them to the catalog's limits, as the
 * broker's bootstrap user: the only identity beside the operator's that may create or update a
 * stream. Its name carries digests of what it does and of its image, so a changed limit or a new image is a
 * new Job that runs (a Job's pod template cannot change).
 */
export class BrokerBootstrap extends Construct {
  constructor(scope: Construct, id: string, props: BrokerBootstrapProps) {
    super(scope, id);
    const { name, namespace } = props;
    const env = [
      { name: 'NATS_URL', value: props.natsUrl },
      { name: 'NATS_USER', value: name },
      { name: 'NATS_PASSWORD', valueFrom: { secretKeyRef: { name: props.passwordSecret, key: 'password' } } },
      { name: 'EVENT_STREAM_LIMITS', value: JSON.stringify(props.limits) },
    ];
    const command = ['node', props.entry];
    const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 8);
    new MeshJob(this, 'job', {
      name,
      namespace,
      version: props.version,
      // The image's own digits last: the Helm chart computes them from its image values (scripts/chart.ts).
      jobName: `${name}-${sha256(JSON.stringify({ command, env }))}-${sha256(props.image)}`,
      image: props.image,
      command,
      env,
      uid: 1000,
      resources: { cpuRequestMilli: 10, memoryRequestMi: 64, cpuLimitMilli: 200, memoryLimitMi: 128 },
      egress: props.egress,
    });
  }
}
