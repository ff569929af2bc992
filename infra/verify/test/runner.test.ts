import { describe, expect, it } from 'vitest';
import { checks } from '../src/checks/index.js';
import { runChecks, selectChecks } from '../src/runner.js';

describe('the suite', () => {
  it('has every check the issue lists, once, with the burst last', () => {
    expect(checks.map((c) => c.id)).toEqual([
      'sidecars',
      'mtls',
      'authz',
      'jwt',
      'api-keys',
      'identity',
      'identity-provider',
      'ownership',
      'trace',
      'retries',
      'timeout',
      'breaker',
      'outlier',
      'canary',
      'mirror',
      'chaos',
      'scale-up',
      'postgres-loss',
      'nats-loss',
      'rate-limit',
    ]);
  });

  it('selects checks by id in suite order and names unknown ids', () => {
    expect(selectChecks(checks, 'jwt,sidecars').map((c) => c.id)).toEqual(['sidecars', 'jwt']);
    expect(selectChecks(checks, undefined)).toHaveLength(checks.length);
    expect(() => selectChecks(checks, 'jwt,retry')).toThrow(/--only: unknown check retry \(known: sidecars, /);
  });

  it('turns a throwing check into a failed row and runs the rest', async () => {
    const ran: string[] = [];
    const reports = await runChecks(
      [
        {
          id: 'a',
          title: 'first',
          run: async () => {
            ran.push('a');
            throw new Error('pods/payments-1 not found');
          },
        },
        {
          id: 'b',
          title: 'second',
          run: async () => {
            ran.push('b');
            return { status: 'pass', detail: 'fine' };
          },
        },
      ],
      undefined,
    );
    expect(ran).toEqual(['a', 'b']);
    expect(reports.map(({ durationMs: _d, ...r }) => r)).toEqual([
      { title: 'first', status: 'fail', detail: 'error: pods/payments-1 not found' },
      { title: 'second', status: 'pass', detail: 'fine' },
    ]);
  });
});
