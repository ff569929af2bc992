import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { ExtAuthzHttpProvider } from './gateway-model.js';

export interface MeshExtAuthzProvider extends ExtAuthzHttpProvider {
  readonly service: string;
  readonly port: number;
  readonly timeout?: string;
  readonly failOpen?: boolean;
  readonly statusOnError?: string;
  readonly headersToDownstreamOnDeny?: readonly string[];
}

/** The envoyExtAuthzHttp providers of the mesh install (mesh/istio/istio-operator.yaml), by name. */
export function extAuthzProviders(): Record<string, MeshExtAuthzProvider> {
  const file = fileURLToPath(new URL('../../../../mesh/istio/istio-operator.yaml', import.meta.url));
  const install = parse(readFileSync(file, 'utf8')) as {
    spec: { meshConfig: { extensionProviders: { name: string; envoyExtAuthzHttp?: MeshExtAuthzProvider }[] } };
  };
  return Object.fromEntries(
    install.spec.meshConfig.extensionProviders
      .filter((p) => p.envoyExtAuthzHttp !== undefined)
      .map((p) => [p.name, p.envoyExtAuthzHttp!]),
  );
}
