// Rewrites references to files that moved into @mesh-kit/catalog (packages/catalog/): an import of a
// moved module from outside the package becomes an import of the package by name; any other relative
// path to a moved file (a file read, a Markdown link) and any repository path in text points at the
// new place. An import of services/<x>/src/<m>.js from outside services/<x>/ becomes
// `@mesh-kit/<x>/<m>`, and services/<x>/package.json gets that entry in its exports.
// Re-runnable: files already rewritten are left as they are.
//   node scripts/rewrite-moved-imports.mjs [file…]     (default: every file git knows, tracked or new)
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import process from 'node:process';

/** Old path → new path and the specifier a module outside the package imports it by. */
export const MOVES = {
  'infra/cdk8s/src/catalog.ts': ['packages/catalog/src/catalog.ts', '@mesh-kit/catalog'],
  'infra/cdk8s/src/traffic.ts': ['packages/catalog/src/traffic.ts', '@mesh-kit/catalog/traffic'],
  'services/runtime/src/events/contract.ts': ['packages/catalog/src/events.ts', '@mesh-kit/catalog/events'],
  'services/loadgen/src/token-signer.ts': ['packages/catalog/src/token-signer.ts', '@mesh-kit/catalog/token-signer'],
  'services/apikeys/src/api-key.ts': ['packages/catalog/src/api-key.ts', '@mesh-kit/catalog/api-key'],
};
const PACKAGE_DIR = 'packages/catalog/';
const CODE = /\.(?:[cm]?[jt]s|tsx)$/;
const SKIP =
  /(?:^|\/)(?:node_modules|dist)\/|^infra\/cdk8s\/imports\/|package-lock\.json$|^scripts\/rewrite-moved-imports\.mjs$/;
const IMPORT_CONTEXT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\bvi\.mock\(\s*|\bexport\s*\*\s*from\s*)$/;

const posix = (path) => path.split('\\').join('/');
const relativeTo = (file, target) => {
  const path = posix(relative(dirname(file), target));
  return path.startsWith('.') ? path : `./${path}`;
};

/** The rewritten text of `file` (a repository path). */
export function rewrite(file, text) {
  const code = CODE.test(file);
  // 1. Relative paths (string literals, Markdown links) that resolve to a moved file.
  let out = text.replace(/(\.\.?\/[\w./-]*?)(\.(?:ts|js))(?=['"`)#\s]|$)/gm, (match, stem, ext, offset, whole) => {
    const old = posix(normalize(join(dirname(file), stem + '.ts')));
    const move = MOVES[old];
    if (move === undefined) return match;
    const [target, specifier] = move;
    const before = whole.slice(Math.max(0, offset - 40), offset - 1);
    if (code && ext === '.js' && !file.startsWith(PACKAGE_DIR) && IMPORT_CONTEXT.test(before)) return specifier;
    return relativeTo(file, target.replace(/\.ts$/, ext));
  });
  // 2. Imports of another service's module: by the service's name, through its declared exports.
  if (code) {
    out = out.replace(/(['"])(\.\.?\/[\w./-]*?)\.js\1/g, (match, _quote, stem, offset, whole) => {
      const target = posix(normalize(join(dirname(file), stem)));
      const hit = /^services\/([a-z][a-z0-9-]*)\/src\/([\w-]+)$/.exec(target);
      if (hit === null || file.startsWith(`services/${hit[1]}/`)) return match;
      if (!IMPORT_CONTEXT.test(whole.slice(Math.max(0, offset - 40), offset))) return match;
      exported.add(`${hit[1]}/${hit[2]}`);
      return `'@mesh-kit/${hit[1]}/${hit[2]}'`;
    });
  }
  // 3. Repository paths in prose and comments.
  for (const [old, [target]] of Object.entries(MOVES)) {
    const stem = old.replace(/\.ts$/, '');
    out = out.replace(new RegExp(`(?<![\\w./-])${stem.replace(/[.]/g, '\\.')}\\.(ts|js)\\b`, 'g'), (_m, ext) =>
      target.replace(/\.ts$/, `.${ext}`),
    );
  }
  return out;
}

/** `<service>/<module>` entries imports were rewritten to; each becomes an export of the service. */
const exported = new Set();

/** Adds `./<module>` (its dist .js and .d.ts) to the exports of each service's package.json. */
function declareExports() {
  for (const entry of [...exported].sort()) {
    const [service, module] = entry.split('/');
    const file = `services/${service}/package.json`;
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    if (manifest.exports?.[`./${module}`] !== undefined) continue;
    const exports = {
      ...manifest.exports,
      [`./${module}`]: { types: `./dist/${module}.d.ts`, default: `./dist/${module}.js` },
    };
    const sorted = Object.fromEntries(Object.entries(exports).sort(([a], [b]) => a.localeCompare(b)));
    const next = {};
    for (const [key, value] of Object.entries(manifest)) {
      next[key] = value;
      if (key === 'description' && manifest.exports === undefined) next.exports = sorted;
    }
    if (next.exports === undefined || manifest.exports !== undefined) next.exports = sorted;
    writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`);
    process.stdout.write(`exported ./${module} from ${file}\n`);
  }
}

const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
        .split('\n')
        .filter((f) => f !== '' && !SKIP.test(f));
let changed = 0;
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue;
  }
  if (text.includes('\0')) continue;
  const next = rewrite(file, text);
  if (next !== text) {
    writeFileSync(file, next);
    changed += 1;
    process.stdout.write(`rewrote ${file}\n`);
  }
}
declareExports();
process.stdout.write(`${changed} file(s) rewritten\n`);
