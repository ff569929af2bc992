/**
 * What the local gateway interprets: the shop's synthesized objects, exactly as `make synth` makes
 * them, with the public JWKS of every issuer from the secrets directory (the keys `make secrets`
 * makes, created there when missing, so `make token` signs tokens this gateway accepts).
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { App } from 'cdk8s';
import type { Catalog } from '../../infra/cdk8s/src/catalog.js';
import { addShopCharts } from '../../infra/cdk8s/src/charts/shop-app.js';
import type { KubeObject } from '../../infra/cdk8s/src/gateway-model/kube-object.js';
import { defaultJwksFile } from '../../infra/cdk8s/src/jwks.js';
import { ensureSecrets } from '../secrets.js';

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
