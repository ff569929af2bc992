import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import { KubeConfigMap } from '../../imports/k8s.js';
import { type BrokerUser, natsAuthorizationConfig } from '../broker-permissions.js';
import { PART_OF } from '../mesh-names.js';

export interface BrokerConfigProps {
  /** The ConfigMap's name. */
  readonly name: string;
  readonly namespace: string;
  readonly users: readonly BrokerUser[];
  /**
   * The key (file name) of the configuration in the ConfigMap.
   * @default 'nats.conf'
   */
  readonly fileName?: string;
}

/** A ConfigMap with nats-server's users and permissions; it names password variables, never passwords. */
export class BrokerConfig extends Construct {
  readonly fileName: string;
  /** A digest of the configuration, for a pod annotation that restarts the server when it changes. */
  readonly digest: string;

  constructor(scope: Construct, id: string, props: BrokerConfigProps) {
    super(scope, id);
    this.fileName = props.fileName ?? 'nats.conf';
    const text = natsAuthorizationConfig(props.users);
    this.digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
    new KubeConfigMap(this, 'config-map', {
      metadata: { name: props.name, namespace: props.namespace, labels: { ...PART_OF, app: 'nats' } },
      data: { [this.fileName]: text },
    });
  }
}
