import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** meshConfig.defaultConfig.gatewayTopology.numTrustedProxies of a mesh install file (absent: 0, Istio's default). */
export function numTrustedProxiesOf(installFile: string): number {
  const install = parse(readFileSync(installFile, 'utf8')) as {
    spec: { meshConfig?: { defaultConfig?: { gatewayTopology?: { numTrustedProxies?: number } } } };
  };
  return install.spec.meshConfig?.defaultConfig?.gatewayTopology?.numTrustedProxies ?? 0;
}
