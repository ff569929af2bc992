import { Construct } from 'constructs';
import { AuthorizationPolicy, AuthorizationPolicySpecAction } from '../../imports/security.istio.io.js';

/** Who may call a workload, and on which methods and paths (none for TCP services). */
export interface AllowedCaller {
  /** Istio principal: `cluster.local/ns/<ns>/sa/<service account>`. */
  readonly principal: string;
  /** What the caller may do; omitted for TCP services (any connection). */
  readonly operations?: readonly AllowedOperation[];
}

/** Methods × paths (AuthorizationPolicy path templates such as `/users/{*}`). */
export interface AllowedOperation {
  readonly methods: readonly string[];
  readonly paths: readonly string[];
}

export interface ServiceAuthorizationProps {
  readonly name: string;
  readonly namespace: string;
  /** The workload's pod selector. */
  readonly selector: Readonly<Record<string, string>>;
  readonly callers: readonly AllowedCaller[];
}

/** One ALLOW policy admitting exactly the declared callers; the namespace's deny-all does the rest. */
export class ServiceAuthorization extends Construct {
  constructor(scope: Construct, id: string, props: ServiceAuthorizationProps) {
    super(scope, id);
    if (props.callers.length === 0) return;
    new AuthorizationPolicy(this, 'allow', {
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        selector: { matchLabels: { ...props.selector } },
        action: AuthorizationPolicySpecAction.ALLOW,
        rules: props.callers.map((caller) => ({
          from: [{ source: { principals: [caller.principal] } }],
          ...(caller.operations === undefined
            ? {}
            : {
                to: caller.operations.map((op) => ({
                  operation: { methods: [...op.methods], paths: [...op.paths] },
                })),
              }),
        })),
      },
    });
  }
}
