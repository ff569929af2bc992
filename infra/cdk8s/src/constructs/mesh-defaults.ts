import { Construct } from 'constructs';
import {
  AuthorizationPolicy,
  PeerAuthentication,
  PeerAuthenticationSpecMtlsMode,
} from '../../imports/security.istio.io.js';
import { Telemetry } from '../../imports/telemetry.istio.io.js';

export interface MeshDefaultsProps {
  readonly namespace: string;
  /** meshConfig extension provider that receives traces. */
  readonly tracingProvider: string;
  readonly samplingPercent: number;
  /** meshConfig extension provider for access logs (`envoy` is built in). */
  readonly accessLogProvider: string;
}

/** Namespace-wide mesh policy: STRICT mTLS, deny by default, tracing and access logs on. */
export class MeshDefaults extends Construct {
  constructor(scope: Construct, id: string, props: MeshDefaultsProps) {
    super(scope, id);
    new PeerAuthentication(this, 'mtls', {
      metadata: { name: 'default', namespace: props.namespace },
      spec: { mtls: { mode: PeerAuthenticationSpecMtlsMode.STRICT } },
    });
    // An ALLOW-nothing policy: every request needs an ALLOW policy of its own (Law 4).
    new AuthorizationPolicy(this, 'deny-all', {
      metadata: { name: 'deny-all', namespace: props.namespace },
      spec: {},
    });
    new Telemetry(this, 'telemetry', {
      metadata: { name: 'default', namespace: props.namespace },
      spec: {
        tracing: [{ providers: [{ name: props.tracingProvider }], randomSamplingPercentage: props.samplingPercent }],
        accessLogging: [{ providers: [{ name: props.accessLogProvider }] }],
      },
    });
  }
}
