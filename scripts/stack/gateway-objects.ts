/**
 * What the local gateway interprets: the shop's synthesized objects, exactly as `make synth` makes
 * them, with the public JWKS of every issuer from the secrets directory (the keys `make secrets`
 * makes, created there when missing, so `make token` signs tokens this gateway accepts).
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { App } from 'cdk8s';
import { type Catalog, jwtSecretName } from '@mesh-kit/catalog';
import { addShopCharts } from '../../infra/cdk8s/src/charts/shop-app.js';
import type { KubeObject } from '../../infra/cdk8s/src/gateway-model/kube-object.js';
import { defaultJwksFile } from '../../infra/cdk8s/src/jwks.js';
import { ensureSecrets } from '../secrets.js';

/**
 * The catalog as the local stack runs it: an identity provider in the shop issues tokens under the
 * local gateway's port (`http://localhost:<port>/auth`), the URL the browser sees there.
 */
export function stackCatalog(catalog: Catalog, gatewayPort: number): Catalog {
  const issuers = catalog.ingress.jwt.issuers.map((issuer) =>
    issuer.service === undefined
      ? issuer
      : { ...issuer, issuer: new URL(new URL(issuer.issuer).pathname, `http://localhost:${gatewayPort}`).href },
  );
  return { ...catalog, ingress: { ...catalog.ingress, jwt: { ...catalog.ingress.jwt, issuers } } };
}

/** The private key (PKCS #8 PEM) an identity provider in the shop signs with, as `make secrets` wrote it. */
export function identitySigningKey(catalog: Catalog, secretsDir: string): string | undefined {
  const service = catalog.ingress.jwt.issuers.find((issuer) => issuer.service !== undefined)?.service;
  if (service === undefined) return undefined;
  const file = join(secretsDir, `${jwtSecretName(service, catalog)}.json`);
  return (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>)[catalog.secrets.jwtPrivateKey];
}

export function gatewayObjects(catalog: Catalog, secretsDir: string): KubeObject[] {
  ensureSecrets(secretsDir, catalog);
  const jwks: Record<string, string> = {};
  for (const issuer of catalog.ingress.jwt.issuers) {
    if (issuer.jwksUri !== undefined) continue;
    const file = join(secretsDir, basename(defaultJwksFile(issuer.id)));
    jwks[issuer.id] = JSON.stringify(JSON.parse(readFileSync(file, 'utf8')));
  }
  const app = new App({ outdir: '/nonexistent' });
  addShopCharts(app, { catalog, imageRegistry: 'mesh-kit', imageTag: 'local', jwks });
  return app.charts.flatMap((chart) => chart.toJson() as KubeObject[]);
}
