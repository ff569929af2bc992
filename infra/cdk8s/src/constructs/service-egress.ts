import { Construct } from 'constructs';
import { Sidecar, SidecarSpecOutboundTrafficPolicyMode } from '../../imports/networking.istio.io.js';

export interface ServiceEgressProps {
  readonly name: string;
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
  /** `<namespace>/<host>` entries: the declared dependencies only. */
  readonly hosts: readonly string[];
}

/** A Sidecar that lets a workload's proxy see only its declared dependencies (registry-only egress). */
export class ServiceEgress extends Construct {
  constructor(scope: Construct, id: string, props: ServiceEgressProps) {
    super(scope, id);
    new Sidecar(this, 'sidecar', {
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        workloadSelector: { labels: { ...props.selector } },
        egress: [{ hosts: [...props.hosts] }],
        outboundTrafficPolicy: { mode: SidecarSpecOutboundTrafficPolicyMode.REGISTRY_UNDERSCORE_ONLY },
      },
    });
  }
}
