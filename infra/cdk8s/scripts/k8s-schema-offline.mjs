// Preloaded (`node --import`) by scripts/import-k8s.ts around `cdk8s import k8s@<version>`: the CLI
// downloads the Kubernetes schema from a fixed URL; this hands it K8S_DEFINITIONS_FILE instead, so
// the import runs offline on the definitions committed in imports/. Everything else is the CLI's own.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';

const file = process.env.K8S_DEFINITIONS_FILE;
if (!file) throw new Error('k8s-schema-offline: K8S_DEFINITIONS_FILE is not set');
const require = createRequire(import.meta.url);
// The package's exports hide lib/; the absolute path reaches the module instance the CLI loads.
const util = require(join(dirname(require.resolve('cdk8s-cli/package.json')), 'lib/util.js'));
util.download = async (url) => {
  if (!url.endsWith('/_definitions.json')) throw new Error(`k8s-schema-offline: unexpected download ${url}`);
  return readFileSync(file, 'utf8');
};
