/**
 * `npm run generate`: renders everything generated, in one go — the Helm chart (`npm run chart`),
 * then in memory (scripts/generated/registry.ts) the README's diagram and access table, the bench
 * tables, the Grafana dashboard and every `<!-- generated:<name> -->` block in README.md and docs/
 * (tables and excerpts that restate the catalog, `npm run analyze` or the Makefile), then the Istio
 * CRD types (`npm run import -w @mesh-kit/infra`). `--check` writes nothing and exits 1 naming
 * each file that differs. `--skip-crd-types` leaves the CRD types alone: they follow the pinned
 * Istio release, not the catalog, and their import reads Istio's CRDs (from the network when no
 * local copy is there), so `npm run new-service` skips them.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './chart.js';
import { readInputs, renderAll } from './generated/registry.js';

const { values } = parseArgs({
  options: {
    check: { type: 'boolean', default: false },
    'skip-crd-types': { type: 'boolean', default: false },
  },
  strict: true,
});
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const npm = (...args: string[]): void => {
  execFileSync('npm', ['run', '--silent', ...args], { cwd: ROOT, stdio: 'inherit' });
};

try {
  npm('chart', ...(values.check ? ['--', '--check'] : []));
  const stale: string[] = [];
  for (const [path, text] of renderAll(readInputs(ROOT), read)) {
    if (read(path) === text) continue;
    stale.push(path);
    if (!values.check) writeFileSync(join(ROOT, path), text);
  }
  if (values.check && stale.length > 0) {
    process.stderr.write(`generate: stale (run \`npm run generate\`): ${stale.join(', ')}\n`);
    process.exit(1);
  }
  process.stdout.write(`generate: ${stale.length === 0 ? 'nothing changed' : `rewrote ${stale.join(', ')}`}\n`);
  // Last: the only step that may need the network (import-crds.ts reads Istio's CRDs).
  if (!values.check && !values['skip-crd-types']) npm('import', '-w', '@mesh-kit/infra');
} catch (error) {
  process.stderr.write(`generate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
