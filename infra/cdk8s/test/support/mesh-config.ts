import { fileURLToPath } from 'node:url';
import { type MeshExtAuthzProvider, extAuthzProvidersOf } from '../../src/gateway-model/ext-authz-providers.js';

export type { MeshExtAuthzProvider } from '../../src/gateway-model/ext-authz-providers.js';

/** The envoyExtAuthzHttp providers of the mesh install (mesh/istio/istio-operator.yaml), by name. */
export function extAuthzProviders(): Record<string, MeshExtAuthzProvider> {
  return extAuthzProvidersOf(fileURLToPath(new URL('../../../../mesh/istio/istio-operator.yaml', import.meta.url)));
}
