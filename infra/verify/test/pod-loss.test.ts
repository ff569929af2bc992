import { describe, expect, it } from 'vitest';
import type { LoadSample } from '../src/paced-load.js';
import {
  evaluatePodLoss,
  isReadyReplacement,
  restartCounts,
  restartsBetween,
  type PodLossObservation,
  type PodRestartView,
} from '../src/pod-loss.js';

/** A service pod as the API server returns it (native sidecar), trimmed to what the comparison reads. */
function pod(app: string, name: string, appRestarts = 0, proxyRestarts = 0): PodRestartView {
  return {
    metadata: { name, labels: { app } },
    status: {
      initContainerStatuses: [{ name: 'istio-proxy', restartCount: proxyRestarts }],
      containerStatuses: [{ name: app, restartCount: appRestarts }],
    },
  };
}

const APPS = ['orders', 'notifications'];

describe('restart comparison', () => {
  it("counts the services' containers, sidecars included, and not the backing pods", () => {
    const counts = restartCounts([pod('orders', 'orders-1', 0, 1), pod('postgres', 'postgres-0', 3)], APPS);
    expect([...counts]).toEqual([
      ['orders-1/istio-proxy', 1],
      ['orders-1/orders', 0],
    ]);
  });

  it('names containers that restarted and pods that are gone; new pods alone are no change', () => {
    const before = restartCounts(
      [pod('orders', 'orders-1'), pod('orders', 'orders-2'), pod('notifications', 'notifications-1')],
      APPS,
    );
    const same = restartCounts(
      [pod('orders', 'orders-1'), pod('orders', 'orders-2'), pod('notifications', 'notifications-1')],
      APPS,
    );
    expect(restartsBetween(before, same)).toEqual([]);
    const after = restartCounts(
      [pod('orders', 'orders-1', 2), pod('orders', 'orders-3'), pod('notifications', 'notifications-1', 0, 1)],
      APPS,
    );
    expect(restartsBetween(before, after)).toEqual([
      'orders-1/orders 0 → 2',
      'notifications-1/istio-proxy 0 → 1',
      'orders-2 gone',
    ]);
  });
});

describe('replacement pod', () => {
  const ready = { conditions: [{ type: 'Ready', status: 'True' }] };
  it('is Ready, not terminating, and not the deleted pod (a StatefulSet reuses the name)', () => {
    expect(isReadyReplacement({ metadata: { uid: 'new' }, status: ready }, 'old')).toBe(true);
    expect(isReadyReplacement({ metadata: { uid: 'old' }, status: ready }, 'old')).toBe(false);
    expect(
      isReadyReplacement({ metadata: { uid: 'new', deletionTimestamp: '2026-11-30T14:00:00Z' }, status: ready }, 'old'),
    ).toBe(false);
    expect(
      isReadyReplacement(
        { metadata: { uid: 'new' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } },
        'old',
      ),
    ).toBe(false);
  });
});

/** One order every 333 ms from t = 0 to `untilMs`; `status(t)` decides each answer. */
function load(untilMs: number, status: (sentAt: number) => number): LoadSample[] {
  const samples: LoadSample[] = [];
  for (let n = 0; n * 333 < untilMs; n += 1) {
    const sentAt = n * 333;
    const s = status(sentAt);
    samples.push({ n, sentAt, ms: 40, status: s, ...(s === 201 ? { id: `order-${n}` } : {}) });
  }
  return samples;
}

const bounds = { recoveryMs: 15_000, minRequestsAfterRecovery: 10, notifyMs: 60_000 };

/** PostgreSQL deleted at 5 s, Ready at 20 s; orders fail from 5 s to `failUntil`; load until 45 s. */
function observation(failUntil: number, change: Partial<PodLossObservation> = {}): PodLossObservation {
  return {
    pod: 'postgres-0',
    deletedAt: 5_000,
    readyAt: 20_000,
    samples: load(45_000, (t) => (t >= 5_000 && t < failUntil ? 503 : 201)),
    restarts: [],
    watchedContainers: 26,
    unreadable: [],
    unnotified: [],
    notifiedAfterMs: 4_000,
    bounds,
    ...change,
  };
}

describe('pod loss under load', () => {
  it('passes when orders fail only until shortly after the pod is Ready, nothing restarts and nothing is lost', () => {
    const result = evaluatePodLoss(observation(22_000));
    expect(result.status).toBe('pass');
    expect(result.detail).toBe(
      'postgres-0 deleted at 5.0 s, Ready again 15.0 s later; 136 orders: 85 × 201, 51 × 503; ' +
        'the last failed order was sent 2.0 s after postgres-0 was Ready; 85/85 accepted orders readable, ' +
        '85 notified (all within 4.0 s); no restarts among 26 containers',
    );
  });

  it('passes when no order failed at all (the broker is optional for placing orders)', () => {
    const result = evaluatePodLoss(observation(0, { pod: 'nats-0' }));
    expect(result.status).toBe('pass');
    expect(result.detail).toContain('136 orders: 136 × 201; no order failed;');
  });

  it('fails when a service container restarted', () => {
    const result = evaluatePodLoss(observation(22_000, { restarts: ['orders-7d9-a/orders 0 → 1'] }));
    expect(result.status).toBe('fail');
    expect(result.detail).toMatch(/^service containers restarted: orders-7d9-a\/orders 0 → 1 — postgres-0 deleted/);
  });

  it('fails when orders still fail longer than the bound after the pod is Ready', () => {
    const result = evaluatePodLoss(observation(38_000));
    expect(result.status).toBe('fail');
    expect(result.detail).toMatch(/^still failing 18\.0 s after postgres-0 was Ready \(bound 15\.0 s\) — /);
  });

  it('fails when too few orders succeed after the last failure to show recovery', () => {
    const result = evaluatePodLoss(observation(43_000, { bounds: { ...bounds, recoveryMs: 30_000 } }));
    expect(result.status).toBe('fail');
    expect(result.detail).toMatch(
      /^only 6 orders were sent after postgres-0 was Ready and the last failure \(at least 10 must succeed to show recovery\)/,
    );
  });

  it('fails when the pod never came back', () => {
    const result = evaluatePodLoss(observation(45_000, { readyAt: undefined }));
    expect(result.status).toBe('fail');
    expect(result.detail).toMatch(/^postgres-0 was not Ready again — postgres-0 deleted at 5\.0 s, never Ready again;/);
  });

  it('fails naming accepted orders that are lost or never notified', () => {
    const result = evaluatePodLoss(
      observation(22_000, {
        unreadable: ['order-1 (404)', 'order-2 (404)', 'order-3 (404)', 'order-4 (404)'],
        unnotified: ['order-1'],
        notifiedAfterMs: undefined,
      }),
    );
    expect(result.status).toBe('fail');
    expect(result.detail).toMatch(
      /^4 accepted orders lost \(not readable\): order-1 \(404\), order-2 \(404\), order-3 \(404\) and 1 more; 1 accepted orders not notified within 60\.0 s: order-1 — /,
    );
    expect(result.detail).toContain('81/85 accepted orders readable, 84 notified;');
  });

  it('cannot judge when the shop placed no order before the fault', () => {
    const result = evaluatePodLoss(observation(22_000, { samples: load(45_000, (t) => (t < 22_000 ? 503 : 201)) }));
    expect(result).toEqual({
      status: 'fail',
      detail: 'no order was placed before postgres-0 was deleted (16 × 503): the shop was not serving, cannot judge',
    });
  });
});
