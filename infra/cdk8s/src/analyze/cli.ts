/** `npm run analyze [dir]`: analyses the synthesized manifests (default dist/manifests); exits 1 on findings. */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { type ManifestObject, analyze } from './analyze.js';
import { formatReport } from './report.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..');
const dir = resolve(process.argv[2] ?? join(repoRoot, 'dist/manifests'));
let files: string[];
try {
  files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
} catch {
  console.error(`analyze: cannot read ${dir}; run \`npm run synth\` first`);
  process.exit(2);
}
const objects = files.flatMap((f) =>
  parseAllDocuments(readFileSync(join(dir, f), 'utf8'))
    .map((d) => d.toJS() as ManifestObject | null)
    .filter((o): o is ManifestObject => o !== null),
);
const analysis = analyze(objects);
console.log(formatReport(analysis));
process.exitCode = analysis.findings.length === 0 ? 0 : 1;
