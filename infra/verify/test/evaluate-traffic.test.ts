import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AutoscalerReading,
  type EjectionRun,
  evaluateCanary,
  evaluateEjection,
  evaluateMirror,
  evaluateScaleUp,
  evaluateScenario,
  type Sample,
} from '../src/evaluate-traffic.js';
import { deployedCatalog, publicGetPath } from '../src/traffic-state.js';
import { breakerLimits } from '../src/expectations.js';
import { catalog, findService } from '@mesh-kit/catalog';
import { activeScenario, releaseOf } from '../../cdk8s/src/traffic-plan.js';
import { renderTable } from '../src/table.js';

const ok = (release?: string, ms = 50): Sample => ({ status: 200, ms, ...(release === undefined ? {} : { release }) });
const times = (n: number, s: Sample): Sample[] => Array.from({ length: n }, () => s);

describe('evaluateCanary', () => {
  it('passes when every pinned request reached v2 and the split is near the weight', () => {
    const result = evaluateCanary(20, times(20, ok('v2')), [...times(78, ok()), ...times(22, ok('v2'))]);
    expect(result.status).toBe('pass');
    expect(result.detail).toBe('v2 answered 22 of 100 (22 %, weight 20 %) and 20 of 20 pinned');
  });

  it('fails when a pinned request reached v1, naming how many did not', () => {
    const result = evaluateCanary(20, [...times(19, ok('v2')), ok()], times(100, ok()));
    expect(result).toEqual({ status: 'fail', detail: 'only 19 of 20 requests with x-canary: always reached v2' });
  });

  it('fails a split far from the weight, and any v2 answer at weight 0', () => {
    expect(evaluateCanary(20, times(5, ok('v2')), [...times(50, ok()), ...times(50, ok('v2'))]).status).toBe('fail');
    expect(evaluateCanary(0, times(5, ok('v2')), [...times(99, ok()), ok('v2')]).status).toBe('fail');
    expect(evaluateCanary(0, times(5, ok('v2')), times(100, ok())).status).toBe('pass');
  });

  it('fails when requests did not answer 200', () => {
    expect(evaluateCanary(0, times(5, ok('v2')), [{ status: 503, ms: 1 }]).detail).toBe(
      '1 of 6 requests did not answer 200',
    );
  });
});

describe('evaluateMirror', () => {
  it('passes when v2 saw about the mirrored share and no answer came from v2', () => {
    const result = evaluateMirror({ percent: 50, sent: times(100, ok()), arrivedAtV2: 47 });
    expect(result).toEqual({
      status: 'pass',
      detail: '47 of 100 requests reached v2 (47 %, mirroring 50 %), 0 answers came from v2',
    });
  });

  it('fails when a client got an answer from v2, or v2 saw nothing', () => {
    expect(evaluateMirror({ percent: 50, sent: [...times(99, ok()), ok('v2')], arrivedAtV2: 50 }).detail).toMatch(
      /^a mirrored answer reached a client/,
    );
    expect(evaluateMirror({ percent: 10, sent: times(100, ok()), arrivedAtV2: 0 }).detail).toMatch(
      /^v2 did not see the mirrored share/,
    );
    expect(evaluateMirror({ percent: 10, sent: times(100, ok()), arrivedAtV2: 60 }).status).toBe('fail');
  });
});

describe('evaluateEjection (payments-replica-down)', () => {
  const scenario = catalog.scenarios!.find((s) => s.name === 'payments-replica-down')!;
  const outcome = scenario.outcome as Extract<typeof scenario.outcome, { kind: 'ejection' }>;
  // The catalog's own numbers: 5 consecutive 5xx, a 10 s interval, 30 s ejection; 2 orders pods call payments.
  const outlier = breakerLimits('payments').outlierDetection!;
  const ejected: EjectionRun = {
    outlier,
    callers: 2,
    during: times(120, { status: 201, ms: 80 }),
    after: times(60, { status: 201, ms: 80 }),
    afterMs: 6_000,
    faultyDuring: 10,
    faultyAfter: 0,
  };

  it('passes when the faulty pod took its consecutive 5xx per caller in the first interval and nothing after', () => {
    expect(outcome).toEqual({ kind: 'ejection', method: 'POST', path: '/api/orders', minPercent: 99 });
    const result = evaluateEjection(outcome, ejected);
    expect(result.status).toBe('pass');
    expect(result.detail).toMatch(
      /answered 10 requests in the first 10 s \(at most 12 expected.*0 in the 6 s after; 180 of 180/,
    );
  });

  it('fails without ejection: the faulty pod still receives requests after the interval', () => {
    // Without outlier detection the faulty pod keeps its share (one of three endpoints).
    const notEjected = { ...ejected, faultyDuring: 40, faultyAfter: 20 };
    expect(evaluateEjection(outcome, notEjected).detail).toMatch(/^not ejected: .* 20 in the 6 s after/);
    expect(evaluateEjection(outcome, { ...ejected, faultyAfter: 1 }).status).toBe('fail');
  });

  it('fails when ejection came late, the pod was never in the pool, or orders failed', () => {
    expect(evaluateEjection(outcome, { ...ejected, faultyDuring: 13 }).detail).toMatch(/^ejected late/);
    expect(evaluateEjection(outcome, { ...ejected, faultyDuring: 0 }).detail).toMatch(/never received a request/);
    const failing = {
      ...ejected,
      after: [...times(58, { status: 201, ms: 80 }), ...times(2, { status: 503, ms: 80 })],
    };
    expect(evaluateEjection(outcome, { ...failing, during: times(60, { status: 201, ms: 80 }) }).status).toBe('fail');
    expect(evaluateEjection(outcome, { ...ejected, afterMs: 30_000 }).detail).toMatch(/outlasted the 30 s ejection/);
    expect(evaluateEjection(outcome, { ...ejected, after: [] }).status).toBe('fail');
  });
});

describe('evaluateScenario', () => {
  it('success-rate: passes at the stated minimum, fails below it', () => {
    const outcome = { kind: 'success-rate', method: 'POST', path: '/api/orders', minPercent: 97 } as const;
    const run = (failed: number): Sample[] => [
      ...times(100 - failed, { status: 201, ms: 80 }),
      ...times(failed, { status: 503, ms: 80 }),
    ];
    expect(evaluateScenario(outcome, run(3), 500).status).toBe('pass');
    expect(evaluateScenario(outcome, run(4), 500)).toEqual({
      status: 'fail',
      detail: '96 of 100 POST /api/orders succeeded (96 %, at least 97 % expected)',
    });
  });

  it('partial-answer: every answer 200 without the part, in time', () => {
    const outcome = { kind: 'partial-answer', path: '/api/overview', part: 'user', withinMs: 2_500 } as const;
    const partial: Sample = { status: 200, ms: 40, missing: ['user'] };
    expect(evaluateScenario(outcome, times(10, partial), 500).status).toBe('pass');
    expect(evaluateScenario(outcome, [...times(9, partial), { status: 200, ms: 40, missing: [] }], 500).status).toBe(
      'fail',
    );
    expect(evaluateScenario(outcome, [...times(9, partial), { ...partial, ms: 3_100 }], 500).detail).toMatch(
      /^too slow/,
    );
  });

  it('timeout: every answer the stated status, none later than the timeout plus slack', () => {
    const outcome = { kind: 'timeout', path: '/api/overview', status: 504, withinMs: 2_500 } as const;
    expect(evaluateScenario(outcome, times(10, { status: 504, ms: 2_550 }), 500).status).toBe('pass');
    expect(evaluateScenario(outcome, times(10, { status: 504, ms: 3_050 }), 500).detail).toMatch(
      /^later than the timeout allows/,
    );
    expect(evaluateScenario(outcome, times(10, { status: 200, ms: 3_000 }), 500).status).toBe('fail');
    expect(evaluateScenario(outcome, [], 500).status).toBe('fail');
  });
});

describe('the traffic state verify reads', () => {
  let dir: string | undefined;
  afterEach(() => {
    delete process.env.TRAFFIC_FILE;
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('is the file make canary/chaos/mirror wrote, or the catalog alone', () => {
    dir = mkdtempSync(join(tmpdir(), 'verify-traffic-'));
    const file = join(dir, 'traffic.json');
    writeFileSync(
      file,
      JSON.stringify({
        releases: { storefront: { stage: 'canary', weightPercent: 5 } },
        mirrors: {},
        scenario: 'users-down',
      }),
    );
    process.env.TRAFFIC_FILE = file;
    const source = deployedCatalog();
    expect(releaseOf(source, findService('storefront', source))).toEqual({ stage: 'canary', weightPercent: 5 });
    expect(activeScenario(source)?.name).toBe('users-down');
    process.env.TRAFFIC_FILE = '';
    expect(releaseOf(deployedCatalog(), findService('storefront'))).toEqual({ stage: 'stable' });
  });

  it('samples the public GET route without parameters', () => {
    expect(publicGetPath(findService('storefront'))).toEqual({ publicPath: '/api/overview', servicePath: '/overview' });
    expect(publicGetPath(findService('payments'))).toBeUndefined();
  });

  it('a skipped check is neither a pass nor a failure in the table', () => {
    const table = renderTable([
      { title: 'a', status: 'pass', durationMs: 0, detail: 'x' },
      { title: 'b', status: 'skip', durationMs: 0, detail: 'no canary runs' },
    ]);
    expect(table).toMatch(/b +SKIP/);
    expect(table).toMatch(/1 of 1 checks passed, 1 skipped \(not switched on\)$/);
  });
});

describe('evaluateScaleUp', () => {
  const target = { name: 'orders', minReplicas: 2, cpuTargetPercent: 70 };
  const at = (s: number, desired: number, cpuPercent?: number): AutoscalerReading => ({
    atMs: s * 1000,
    currentReplicas: 2,
    desiredReplicas: desired,
    ...(cpuPercent === undefined ? {} : { cpuPercent }),
  });

  it('passes once the autoscaler asks for more than its minimum within the window', () => {
    expect(evaluateScaleUp(target, [at(10, 2, 40), at(20, 3, 120)], 180_000)).toEqual({
      status: 'pass',
      detail: 'orders scaled from 2 to 3 replicas after 20 s (CPU peaked at 120 % of requests, target 70 %)',
    });
  });

  it('fails naming metrics-server when there never was a CPU figure, and the peak otherwise', () => {
    expect(evaluateScaleUp(target, [at(10, 2), at(20, 2)], 180_000).detail).toMatch(
      /never got a CPU figure: is metrics-server running/,
    );
    expect(evaluateScaleUp(target, [at(10, 2, 30), at(20, 2, 55)], 180_000).detail).toBe(
      'orders stayed at 2 replicas for 180 s (CPU peaked at 55 % of requests, target 70 %)',
    );
    expect(evaluateScaleUp(target, [at(200, 3, 90)], 180_000).status).toBe('fail');
  });
});
