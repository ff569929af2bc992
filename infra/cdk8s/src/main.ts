/**
 * `npm run synth`: writes the shop's manifests to dist/manifests/ at the repository root,
 * deterministically and offline. Inputs: IMAGE_REGISTRY, IMAGE_TAG, IMAGE_TAGS, JWKS_FILE, LOADGEN_JWKS_FILE,
 * IDENTITY_JWKS_FILE, DB_CREDENTIALS_REVISION, SECRETS_DIR, MANIFESTS_DIR, HTTPS_REDIRECT (see docs/architecture.md, "Manifests and mesh policy"),
 * TRAFFIC_FILE (docs/try-the-mesh.md).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalog as declared } from '@mesh-kit/catalog';
import { readCredentialDigests } from './credentials-digest.js';
import { parseImageTags } from './image-tags.js';
import { defaultJwksFile, jwksFileVariable } from './jwks.js';
import { createShopApp } from './charts/shop-app.js';
import { DEFAULT_TRAFFIC_FILE, withTrafficFile } from './traffic-file.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const rootPackage = JSON.parse(readFileSync(resolve(repoRoot, 'package.json'), 'utf8')) as { version: string };
// An inline JWKS for every issuer without a jwksUri: JWKS_FILE for the users' issuer,
// <ID>_JWKS_FILE for the others (LOADGEN_JWKS_FILE), each defaulting to what `make secrets` writes.
const jwks: Record<string, string> = {};
for (const issuer of declared.ingress.jwt.issuers) {
  if (issuer.jwksUri !== undefined) continue;
  const variable = jwksFileVariable(issuer.id);
  const file = resolve(repoRoot, process.env[variable] ?? defaultJwksFile(issuer.id));
  if (!existsSync(file)) {
    console.error(
      `synth: ${variable} ${file} does not exist; run \`make secrets\` (or point ${variable} at a public JWKS)`,
    );
    process.exit(1);
  }
  try {
    jwks[issuer.id] = JSON.stringify(JSON.parse(readFileSync(file, 'utf8')));
  } catch (error) {
    console.error(`synth: ${variable} ${file} is not JSON: ${(error as Error).message}`);
    process.exit(1);
  }
}

// Digests of the credentials `make secrets` wrote (SECRETS_DIR, default .secrets/): new ones roll
// the pods that read them. Without the directory, or with SECRETS_DIR= (empty, as the Helm chart is
// made), every Secret counts as `unknown`.
const secretsDir = process.env.SECRETS_DIR ?? '.secrets';
const credentialDigests = secretsDir === '' ? {} : readCredentialDigests(resolve(repoRoot, secretsDir));

const credentialsRevision = process.env.DB_CREDENTIALS_REVISION ?? '';
if (credentialsRevision !== '' && !/^[0-9a-f]{64}$/.test(credentialsRevision)) {
  console.error(
    'synth: DB_CREDENTIALS_REVISION must be a SHA-256 in hex (scripts/synth.sh computes it from .secrets/)',
  );
  process.exit(1);
}

// `cdk8s synth` (the Helm chart) sets CDK8S_OUTDIR and expects no outdir of ours.
// The traffic state `make canary`/`chaos`/`mirror` wrote; TRAFFIC_FILE= (empty) synthesizes the catalog alone.
const trafficFile = process.env.TRAFFIC_FILE ?? resolve(repoRoot, DEFAULT_TRAFFIC_FILE);
let catalog = declared;
try {
  catalog = withTrafficFile(declared, trafficFile === '' ? '' : resolve(repoRoot, trafficFile));
} catch (error) {
  console.error(`synth: ${(error as Error).message}`);
  process.exit(1);
}

// HTTPS_REDIRECT=false keeps plain HTTP served (kind's port-forward: scripts/synth.sh sets it there);
// unset, the catalog's ingress.tls.httpsRedirect holds.
const httpsRedirect = process.env.HTTPS_REDIRECT ?? '';
if (!['', 'true', 'false'].includes(httpsRedirect)) {
  console.error(`synth: HTTPS_REDIRECT must be true or false, got '${httpsRedirect}'`);
  process.exit(1);
}
if (httpsRedirect !== '') {
  catalog = {
    ...catalog,
    ingress: { ...catalog.ingress, tls: { ...catalog.ingress.tls, httpsRedirect: httpsRedirect === 'true' } },
  };
}

// Each service's own tag (scripts/synth.sh); IMAGE_TAG (default: the package version) for the rest.
let imageTags: Record<string, string> = {};
try {
  imageTags = parseImageTags(
    process.env.IMAGE_TAGS ?? '',
    catalog.services.map((s) => s.name),
  );
} catch (error) {
  console.error(`synth: ${(error as Error).message}`);
  process.exit(1);
}

const outdir =
  process.env.CDK8S_OUTDIR === undefined ? resolve(repoRoot, process.env.MANIFESTS_DIR ?? 'dist/manifests') : undefined;
if (outdir !== undefined) rmSync(outdir, { recursive: true, force: true });
try {
  const app = createShopApp(
    {
      catalog,
      imageRegistry: process.env.IMAGE_REGISTRY ?? 'mesh-kit',
      imageTag: process.env.IMAGE_TAG || rootPackage.version,
      imageTags,
      jwks,
      credentialDigests,
      ...(credentialsRevision === '' ? {} : { credentialsRevision }),
    },
    outdir,
  );
  app.synth();
} catch (error) {
  console.error(`synth: ${(error as Error).message}`);
  process.exit(1);
}
console.log(`synth: wrote ${outdir ?? process.env.CDK8S_OUTDIR}`);
