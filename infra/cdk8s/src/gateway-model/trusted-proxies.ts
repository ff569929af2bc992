import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/**
 * meshConfig.defaultConfig.gatewayTopology.numTrustedProxies of a mesh install file. Absent is 0:
 * "The default value of num_trusted_proxies is 0" (Topology.num_trusted_proxies in istio/api
 * `mesh/v1alpha1/proxy.proto`, stored at 00d4ed3, read for Istio 1.30.3). The gateway model turns
 * it into Envoy's xff_num_trusted_hops as `pilot/pkg/networking/core/gateway.go @ 1.30.3` does
 * (docs/testing.md, the gateway model's row).
 */
export function numTrustedProxiesOf(installFile: string): number {
  const install = parse(readFileSync(installFile, 'utf8')) as {
    spec: { meshConfig?: { defaultConfig?: { gatewayTopology?: { numTrustedProxies?: number } } } };
  };
  return install.spec.meshConfig?.defaultConfig?.gatewayTopology?.numTrustedProxies ?? 0;
}
