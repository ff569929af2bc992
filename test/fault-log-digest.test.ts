import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logDigest } from './faults/support/service-logs.js';

const at = (ms: number): string => new Date(ms).toISOString();

describe("the fault matrix's log digest", () => {
  it('counts the warnings and errors inside the window by what they say, the most frequent first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-kit-digest-'));
    const line = (o: object): string => JSON.stringify(o);
    writeFileSync(
      join(dir, 'payments.log'),
      [
        line({ level: 'warn', time: at(500), message: 'readiness check postgres failing: early' }),
        ...[1_000, 1_100, 1_200].map((t) =>
          line({ level: 'warn', time: at(t), message: 'request', method: 'GET', path: '/readyz', status: 503 }),
        ),
        line({ level: 'info', time: at(1_300), message: 'readiness check postgres passes again' }),
        'not json',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'orders.log'),
      line({
        level: 'error',
        time: at(1_500),
        message: 'relay failed',
        err: { code: '57P01', message: 'terminating connection due to administrator command' },
      }),
    );
    expect(logDigest(dir, 1_000, 2_000)).toEqual([
      '3× payments GET /readyz answered 503',
      '1× orders error: relay failed (57P01 terminating connection due to administrator command)',
    ]);
    expect(logDigest(dir, 1_000, 2_000, 1)).toEqual(['3× payments GET /readyz answered 503', '… and 1 more kinds']);
  });
});
