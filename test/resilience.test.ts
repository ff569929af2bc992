import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { findResilienceCode } from '../scripts/check-resilience.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

describe('Law 1: no resilience code in services', () => {
  it('finds none under services/', () => {
    expect(findResilienceCode(here('../services'))).toEqual([]);
  });

  it('is able to fail: finds every kind in a fixture service', () => {
    const findings = findResilienceCode(here('./fixtures/resilience/services'));
    const rules = new Set(findings.map((f) => f.rule));
    expect(rules).toEqual(
      new Set([
        'imports a retry/timeout/circuit-breaker library',
        'sets a timeout on a call (AbortSignal.timeout / AbortController)',
        'races a call against a timer',
        'retry / backoff / circuit-breaker logic',
        'depends on a resilience library',
        'start-up waiting outside start-up code',
      ]),
    );
    expect(findings.filter((f) => f.text.includes('waitUntil('))).toMatchObject([{ file: 'bad/src/client.ts' }]);
    expect(findings.some((f) => f.text.includes("'retry-after'"))).toBe(false);
    expect(findings.find((f) => f.text.includes('withBackoff'))).toMatchObject({ file: 'bad/src/client.ts', line: 8 });
    expect(findings.some((f) => f.file === 'bad/package.json' && f.text === 'opossum')).toBe(true);
  });

  it('lint refuses every package of the one list in service code, and allows it elsewhere', async () => {
    const { packages } = JSON.parse(readFileSync(here('../scripts/resilience-packages.json'), 'utf8')) as {
      packages: string[];
    };
    expect(packages.length).toBeGreaterThan(10);
    const eslint = new ESLint({ cwd: here('..') });
    const lint = async (filePath: string) =>
      Promise.all(
        packages.map(async (name) => {
          const [result] = await eslint.lintText(`import x from '${name}';\nexport const y = x;\n`, { filePath });
          return result!.messages.some((m) => m.ruleId === 'no-restricted-imports');
        }),
      );
    expect(await lint(here('../services/orders/src/law1-probe.ts'))).toEqual(packages.map(() => true));
    expect(await lint(here('../scripts/law1-probe.ts'))).toEqual(packages.map(() => false));
  });
});
