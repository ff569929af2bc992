import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App } from 'cdk8s';
import { type Catalog, catalog as shopCatalog } from '@mesh-kit/catalog';
import { addShopCharts } from '../../src/charts/shop-app.js';

export type { KubeObject } from '../../src/gateway-model/kube-object.js';
import type { KubeObject } from '../../src/gateway-model/kube-object.js';

const fixture = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url)), 'utf8');
export const fixtureJwks = fixture('jwks.json');
/** The inline JWKS of each catalog issuer, as `make secrets` would give them (public keys only). */
export const fixtureJwksByIssuer: Readonly<Record<string, string>> = {
  users: fixtureJwks,
  loadgen: fixture('loadgen-jwks.json'),
  identity: fixture('identity-jwks.json'),
};

/** Synthesizes the shop (or `catalog`) in memory and returns every object. */
export function synthObjects(
  catalog: Catalog = shopCatalog,
  options: { credentialDigests?: Readonly<Record<string, string>> } = {},
): KubeObject[] {
  const app = new App({ outdir: '/nonexistent' });
  addShopCharts(app, {
    catalog,
    imageRegistry: 'mesh-kit',
    imageTag: '0.1.0',
    jwks: fixtureJwksByIssuer,
    ...options,
  });
  return app.charts.flatMap((chart) => chart.toJson() as KubeObject[]);
}

export function find(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} named ${name}`);
  return found;
}

export const ofKind = (objects: readonly KubeObject[], kind: string): KubeObject[] =>
  objects.filter((o) => o.kind === kind);
