/**
 * Law 1 (docs/architecture.md): no resilience code in services — the Istio sidecar retries, times
 * out and breaks circuits. This check scans services' sources and manifests for what would do it in code.
 * `node --import tsx scripts/check-resilience.ts [dir]` exits 1 with one line per finding.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly rule: string;
  readonly text: string;
}

/** The one list of Law 1's forbidden packages, shared with the lint rule (eslint.config.js). */
const FORBIDDEN_PACKAGES: readonly string[] = (
  JSON.parse(readFileSync(new URL('./resilience-packages.json', import.meta.url), 'utf8')) as { packages: string[] }
).packages;

const CODE_RULES: readonly { rule: string; pattern: RegExp }[] = [
  {
    rule: 'imports a retry/timeout/circuit-breaker library',
    pattern: new RegExp(
      `from\\s+['"](${FORBIDDEN_PACKAGES.join('|')})['"]|require\\(['"](${FORBIDDEN_PACKAGES.join('|')})['"]\\)`,
    ),
  },
  {
    rule: 'sets a timeout on a call (AbortSignal.timeout / AbortController)',
    pattern: /AbortSignal\.timeout|new AbortController/,
  },
  { rule: 'races a call against a timer', pattern: /Promise\.race\s*\(/ },
  {
    rule: 'undici retry or timeout options',
    pattern: /RetryAgent|RetryHandler|headersTimeout|bodyTimeout|connectTimeout/,
  },
  {
    rule: 'retry / backoff / circuit-breaker logic',
    pattern: /\b\w*(retry|retries|retrying|backoff|circuit|breaker)\w*\b/i,
  },
];

/**
 * Drops comments (so prose about the law is not a finding) while keeping line numbers, and the
 * quoted name of the HTTP `Retry-After` response header: setting it advises the caller and
 * repeats nothing.
 */
function stripComments(source: string): string {
  return source
    .replace(/(['"`])retry-after\1/gi, "''")
    .replace(/\/\*[\s\S]*?\*\//g, (block) => block.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist' || entry === 'test') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (/\.(ts|js|mjs|cjs)$/.test(entry) || entry === 'package.json') out.push(path);
  }
  return out;
}

/**
 * The runtime's start-up wait (a starting service may wait for PostgreSQL or NATS) is allowed
 * where services start, and nowhere a request could reach it.
 */
const STARTUP_WAIT = { rule: 'start-up waiting outside start-up code', pattern: /\bwaitUntil\s*\(/ };
const STARTUP_FILES = /(^|\/)(src\/server\.ts|runtime\/src\/(open-database|startup|events\/consumer-service)\.ts)$/;

/**
 * Findings under `servicesDir`. A line marked `resilience-check: allow <why>` (on it or the line
 * above) is passed over: for configuration the broker owns, such as a JetStream consumer's
 * redelivery backoff, which is not code retrying a call.
 */
export function findResilienceCode(servicesDir: string): Finding[] {
  const findings: Finding[] = [];
  for (const file of walk(servicesDir)) {
    const raw = readFileSync(file, 'utf8');
    const name = relative(servicesDir, file);
    if (file.endsWith('package.json')) {
      const manifest = JSON.parse(raw) as { dependencies?: Record<string, string> };
      for (const dep of Object.keys(manifest.dependencies ?? {})) {
        if (FORBIDDEN_PACKAGES.includes(dep)) {
          findings.push({ file: name, line: 1, rule: 'depends on a resilience library', text: dep });
        }
      }
      continue;
    }
    const rawLines = raw.split('\n');
    stripComments(raw)
      .split('\n')
      .forEach((line, index) => {
        const allowed = /resilience-check: allow \S/.test(`${rawLines[index - 1] ?? ''}\n${rawLines[index] ?? ''}`);
        if (allowed) return;
        for (const { rule, pattern } of CODE_RULES) {
          if (pattern.test(line)) findings.push({ file: name, line: index + 1, rule, text: line.trim() });
        }
        if (STARTUP_WAIT.pattern.test(line) && !STARTUP_FILES.test(name)) {
          findings.push({ file: name, line: index + 1, rule: STARTUP_WAIT.rule, text: line.trim() });
        }
      });
  }
  return findings;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? fileURLToPath(new URL('../services', import.meta.url));
  const findings = findResilienceCode(dir);
  for (const f of findings) process.stdout.write(`${f.file}:${f.line}: ${f.rule}: ${f.text}\n`);
  process.stdout.write(findings.length === 0 ? 'no resilience code in services\n' : '');
  process.exitCode = findings.length === 0 ? 0 : 1;
}
