import { fileURLToPath } from 'node:url';
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
});
