import { Construct } from 'constructs';
import { AuthorizationPolicy, AuthorizationPolicySpecAction } from '../../imports/security.istio.io.js';
import type { ApiKeyRoute } from '@mesh-kit/catalog';
import { authorizationPath } from '../mesh-names.js';

export interface GatewayApiKeysProps {
  /** The ingress gateway's namespace. */
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
  /** The meshConfig.extensionProviders entry (envoyExtAuthzHttp) that asks the apikeys service. */
  readonly provider: string;
  /** The catalog's API-key routes (public method and path). */
  readonly routes: readonly ApiKeyRoute[];
  /**
   * Name of the AuthorizationPolicy.
   * @default 'shop-api-keys'
   */
  readonly name?: string;
}

/**
 * API keys at the gateway: a CUSTOM AuthorizationPolicy that sends exactly the API-key routes to
 * the ext_authz provider. Istio evaluates CUSTOM before DENY and ALLOW, and the provider's answer
 * other than 200 is what the client gets; on 200 the gateway copies the provider's identity
 * headers upstream. No API-key route means no policy (a CUSTOM policy without rules would match
 * nothing, but says nothing useful either).
 */
export class GatewayApiKeys extends Construct {
  constructor(scope: Construct, id: string, props: GatewayApiKeysProps) {
    super(scope, id);
    if (props.routes.length === 0) return;
    new AuthorizationPolicy(this, 'custom', {
      metadata: { name: props.name ?? 'shop-api-keys', namespace: props.namespace },
      spec: {
        selector: { matchLabels: { ...props.selector } },
        action: AuthorizationPolicySpecAction.CUSTOM,
        provider: { name: props.provider },
        rules: [
          {
            to: props.routes.map((r) => ({
              operation: { methods: [r.method], paths: [authorizationPath(r.path)] },
            })),
          },
        ],
      },
    });
  }
}
