import { Construct } from 'constructs';
import {
  EnvoyFilter,
  EnvoyFilterSpecConfigPatchesApplyTo,
  EnvoyFilterSpecConfigPatchesMatchContext,
  EnvoyFilterSpecConfigPatchesPatchOperation,
} from '../../imports/networking.istio.io.js';

export interface GatewayHstsProps {
  /** The ingress gateway's namespace (where gateway EnvoyFilters live). */
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
  /** The Gateway whose HTTPS server answers carry the header: `<namespace>/<name>`. */
  readonly gateway: string;
  /** The Gateway's HTTPS server port name. */
  readonly portName: string;
  /** `max-age` of the header, in seconds. */
  readonly maxAgeSeconds: number;
  /**
   * Name of the EnvoyFilter.
   * @default 'shop-hsts'
   */
  readonly name?: string;
}

/**
 * `Strict-Transport-Security` on HTTPS answers only (RFC 6797 §7.2: not over plain HTTP, which the
 * kind port-forward still serves). A VirtualService's response headers apply to every server it is
 * bound to, so this patches the HTTPS server's own route configuration: on gateways Istio names it
 * `https.<port>.<port name>.<gateway>.<namespace>` and an EnvoyFilter `routeConfiguration` match on
 * `portName` and `gateway` (`<namespace>/<name>`) selects exactly it (pilot/pkg/model/gateway.go
 * gatewayRDSRouteName, ParseGatewayRDSRouteName; envoyfilter/rc_patch.go routeConfigurationMatch,
 * istio/istio@1.30.3); the plain-HTTP server's route configuration, `http.<port>`, has no port name
 * and never matches. MERGE appends to the route configuration's `response_headers_to_add`, which
 * Envoy adds to every answer routed there (directly answered routes included), not to filters'
 * own local replies.
 */
export class GatewayHsts extends Construct {
  constructor(scope: Construct, id: string, props: GatewayHstsProps) {
    super(scope, id);
    if (!(Number.isInteger(props.maxAgeSeconds) && props.maxAgeSeconds > 0)) {
      throw new Error(`GatewayHsts: maxAgeSeconds must be a whole number > 0, got ${props.maxAgeSeconds}`);
    }
    new EnvoyFilter(this, 'envoy-filter', {
      metadata: { name: props.name ?? 'shop-hsts', namespace: props.namespace },
      spec: {
        workloadSelector: { labels: { ...props.selector } },
        configPatches: [
          {
            applyTo: EnvoyFilterSpecConfigPatchesApplyTo.ROUTE_UNDERSCORE_CONFIGURATION,
            match: {
              context: EnvoyFilterSpecConfigPatchesMatchContext.GATEWAY,
              routeConfiguration: { portName: props.portName, gateway: props.gateway },
            },
            patch: {
              operation: EnvoyFilterSpecConfigPatchesPatchOperation.MERGE,
              value: {
                response_headers_to_add: [
                  {
                    header: { key: 'strict-transport-security', value: `max-age=${props.maxAgeSeconds}` },
                    append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
                  },
                ],
              },
            },
          },
        ],
      },
    });
  }
}
