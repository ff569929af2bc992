import { fileURLToPath } from 'node:url';
import { type MeshExtAuthzProvider, extAuthzProvidersOf } from '../../src/gateway-model/ext-authz-providers.js';
import { numTrustedProxiesOf } from '../../src/gateway-model/trusted-proxies.js';

export type { MeshExtAuthzProvider } from '../../src/gateway-model/ext-authz-providers.js';

/** The envoyExtAuthzHttp providers of the mesh install (mesh/istio/istio-operator.yaml), by name. */
export function extAuthzProviders(): Record<string, MeshExtAuthzProvider> {
  return extAuthzProvidersOf(fileURLToPath(new URL('../../../../mesh/istio/istio-operator.yaml', import.meta.url)));
}

/** The ingress gateway's trusted hops in x-forwarded-for, from the mesh install. */
export function numTrustedProxies(): number {
  return numTrustedProxiesOf(fileURLToPath(new URL('../../../../mesh/istio/istio-operator.yaml', import.meta.url)));
}
