import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { ExtAuthzHttpProvider } from './gateway-model.js';

export interface MeshExtAuthzProvider extends ExtAuthzHttpProvider {
  readonly service: string;
  readonly port: number;
  readonly timeout?: string;
  readonly failOpen?: boolean;
  readonly statusOnError?: string;
}

/** The envoyExtAuthzHttp providers of a mesh install file (mesh/istio/istio-operator.yaml), by name. */
export function extAuthzProvidersOf(installFile: string): Record<string, MeshExtAuthzProvider> {
  const install = parse(readFileSync(installFile, 'utf8')) as {
    spec: { meshConfig: { extensionProviders: { name: string; envoyExtAuthzHttp?: MeshExtAuthzProvider }[] } };
  };
  return Object.fromEntries(
    install.spec.meshConfig.extensionProviders
      .filter((p) => p.envoyExtAuthzHttp !== undefined)
      .map((p) => [p.name, p.envoyExtAuthzHttp!]),
  );
}
