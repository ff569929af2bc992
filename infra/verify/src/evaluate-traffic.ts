import type { ScenarioOutcome } from '@mesh-kit/catalog/traffic';
import { fail, pass, type CheckResult } from './check-result.js';

/** One answer at the gateway: its status, how long it took, and which version produced it. */
export interface Sample {
  readonly status: number;
  readonly ms: number;
  /** The `release` an overview names (storefront's v2 says `v2`); undefined when it names none. */
  readonly release?: string;
  /** The parts an overview names `missing`. */
  readonly missing?: readonly string[];
}

const share = (n: number, of: number): string => `${of === 0 ? 0 : Math.round((n / of) * 1000) / 10} %`;

/**
 * How far a share of `n` draws may stray from `p` by chance: three standard deviations of a
 * binomial, never less than 5 points, so a fair split fails only about once in 370 runs.
 */
export function splitTolerancePercent(p: number, n: number): number {
  const sd = Math.sqrt(((p / 100) * (1 - p / 100)) / Math.max(n, 1)) * 100;
  return Math.max(5, 3 * sd);
}

/**
 * A canary: every request carrying `x-canary: always` reached v2, and the share of the others that
 * v2 answered is the configured weight within chance (none at 0 %, all at 100 %).
 */
export function evaluateCanary(
  weightPercent: number,
  pinned: readonly Sample[],
  unpinned: readonly Sample[],
): CheckResult {
  const isV2 = (s: Sample): boolean => s.release === 'v2';
  const failed = [...pinned, ...unpinned].filter((s) => s.status !== 200).length;
  if (failed > 0) return fail(`${failed} of ${pinned.length + unpinned.length} requests did not answer 200`);
  const pinnedV2 = pinned.filter(isV2).length;
  if (pinnedV2 !== pinned.length) {
    return fail(`only ${pinnedV2} of ${pinned.length} requests with x-canary: always reached v2`);
  }
  const v2 = unpinned.filter(isV2).length;
  const observed = (v2 / Math.max(unpinned.length, 1)) * 100;
  const detail = `v2 answered ${v2} of ${unpinned.length} (${share(v2, unpinned.length)}, weight ${weightPercent} %) and ${pinnedV2} of ${pinned.length} pinned`;
  const exact = weightPercent === 0 || weightPercent === 100;
  const off = Math.abs(observed - weightPercent);
  if (exact ? off > 0 : off > splitTolerancePercent(weightPercent, unpinned.length)) {
    return fail(`split off the weight: ${detail}`);
  }
  return pass(detail);
}

/**
 * A mirror: v2 received about `percent` of the requests sent (as shadow copies), and no client
 * answer came from v2 (the mirror's answers are discarded; at weight 0 nothing else reaches v2).
 */
export function evaluateMirror(observation: {
  readonly percent: number;
  readonly sent: readonly Sample[];
  /** Requests on the mirrored path in v2's inbound access log during the run. */
  readonly arrivedAtV2: number;
}): CheckResult {
  const { percent, sent, arrivedAtV2 } = observation;
  const fromV2 = sent.filter((s) => s.release === 'v2').length;
  const expected = (sent.length * percent) / 100;
  const detail = `${arrivedAtV2} of ${sent.length} requests reached v2 (${share(arrivedAtV2, sent.length)}, mirroring ${percent} %), ${fromV2} answers came from v2`;
  if (fromV2 > 0) return fail(`a mirrored answer reached a client: ${detail}`);
  if (sent.some((s) => s.status !== 200)) return fail(`not every request answered 200: ${detail}`);
  const tolerance = (splitTolerancePercent(percent, sent.length) * sent.length) / 100;
  if (arrivedAtV2 < Math.max(1, expected - tolerance) || arrivedAtV2 > expected + tolerance) {
    return fail(`v2 did not see the mirrored share: ${detail}`);
  }
  return pass(detail);
}

/** A fault scenario's outcome, as the catalog states it, against what the gateway answered. */
export function evaluateScenario(
  outcome: Exclude<ScenarioOutcome, { kind: 'ejection' }>,
  samples: readonly Sample[],
  slackMs: number,
): CheckResult {
  if (samples.length === 0) return fail('no requests were sent');
  const slowest = Math.max(...samples.map((s) => s.ms));
  switch (outcome.kind) {
    case 'success-rate': {
      const ok = samples.filter((s) => s.status >= 200 && s.status < 300).length;
      const detail = `${ok} of ${samples.length} ${outcome.method} ${outcome.path} succeeded (${share(ok, samples.length)}, at least ${outcome.minPercent} % expected)`;
      return (ok / samples.length) * 100 >= outcome.minPercent ? pass(detail) : fail(detail);
    }
    case 'partial-answer': {
      const partial = samples.filter((s) => s.status === 200 && (s.missing ?? []).includes(outcome.part)).length;
      const detail = `${partial} of ${samples.length} ${outcome.path} answered 200 without ${outcome.part}, slowest ${slowest} ms (within ${outcome.withinMs} ms expected)`;
      if (partial !== samples.length) return fail(detail);
      return slowest <= outcome.withinMs + slackMs ? pass(detail) : fail(`too slow: ${detail}`);
    }
    case 'timeout': {
      const timedOut = samples.filter((s) => s.status === outcome.status).length;
      const detail = `${timedOut} of ${samples.length} ${outcome.path} answered ${outcome.status}, slowest ${slowest} ms (route timeout ${outcome.withinMs} ms)`;
      if (timedOut !== samples.length) return fail(detail);
      return slowest <= outcome.withinMs + slackMs ? pass(detail) : fail(`later than the timeout allows: ${detail}`);
    }
  }
}

/** What a run of the faulty-replica scenario saw, in two phases: the first interval, then after it. */
export interface EjectionRun {
  /** The outlier detection the DestinationRule declares for the service. */
  readonly outlier: {
    readonly consecutive5xxErrors: number;
    readonly intervalMs: number;
    readonly baseEjectionTimeMs: number;
  };
  /** Proxies calling the service (each ejects on its own count). */
  readonly callers: number;
  /** Gateway answers while the first interval ran, and after it. */
  readonly during: readonly Sample[];
  readonly after: readonly Sample[];
  /** How long the second phase ran: it must end before the ejection does. */
  readonly afterMs: number;
  /** Requests in the faulty pod's inbound access log in each phase. */
  readonly faultyDuring: number;
  readonly faultyAfter: number;
}

/**
 * Outlier detection ejected the faulty replica: it answered some requests in the first interval
 * (so it was in the pool), at most `consecutive5xxErrors` per calling proxy plus one in flight,
 * none once that interval had passed, and the gateway's success rate held.
 */
export function evaluateEjection(
  outcome: Extract<ScenarioOutcome, { kind: 'ejection' }>,
  run: EjectionRun,
): CheckResult {
  const all = [...run.during, ...run.after];
  if (run.after.length === 0) return fail('no requests were sent after the first interval');
  const ok = all.filter((s) => s.status >= 200 && s.status < 300).length;
  const allowed = (run.outlier.consecutive5xxErrors + 1) * run.callers;
  const detail = `the faulty replica answered ${run.faultyDuring} requests in the first ${run.outlier.intervalMs / 1000} s (at most ${allowed} expected: ${run.outlier.consecutive5xxErrors} consecutive 5xx × ${run.callers} callers, plus one in flight each) and ${run.faultyAfter} in the ${Math.round(run.afterMs / 1000)} s after; ${ok} of ${all.length} ${outcome.method} ${outcome.path} succeeded (${share(ok, all.length)}, at least ${outcome.minPercent} % expected)`;
  if (run.afterMs >= run.outlier.baseEjectionTimeMs) {
    return fail(`the second phase outlasted the ${run.outlier.baseEjectionTimeMs / 1000} s ejection: ${detail}`);
  }
  if (run.faultyDuring === 0) return fail(`the faulty replica never received a request (is it running?): ${detail}`);
  if (run.faultyAfter > 0) return fail(`not ejected: ${detail}`);
  if (run.faultyDuring > allowed) return fail(`ejected late: ${detail}`);
  return (ok / all.length) * 100 >= outcome.minPercent ? pass(detail) : fail(detail);
}

/** One look at a HorizontalPodAutoscaler during the load. */
export interface AutoscalerReading {
  readonly atMs: number;
  readonly currentReplicas: number;
  readonly desiredReplicas: number;
  /** Undefined while the autoscaler has no CPU figure (no metrics-server, or too early). */
  readonly cpuPercent?: number;
}

/** Under load, the autoscaler asked for more than its minimum within the window. */
export function evaluateScaleUp(
  target: { readonly name: string; readonly minReplicas: number; readonly cpuTargetPercent: number },
  readings: readonly AutoscalerReading[],
  windowMs: number,
): CheckResult {
  const cpu = readings.flatMap((r) => (r.cpuPercent === undefined ? [] : [r.cpuPercent]));
  const up = readings.find(
    (r) => r.atMs <= windowMs && Math.max(r.desiredReplicas, r.currentReplicas) > target.minReplicas,
  );
  const peak = cpu.length === 0 ? 'no CPU figure' : `CPU peaked at ${Math.max(...cpu)} % of requests`;
  if (up !== undefined) {
    return pass(
      `${target.name} scaled from ${target.minReplicas} to ${Math.max(up.desiredReplicas, up.currentReplicas)} replicas after ${Math.round(up.atMs / 1000)} s (${peak}, target ${target.cpuTargetPercent} %)`,
    );
  }
  if (cpu.length === 0) {
    return fail(
      `${target.name}'s autoscaler never got a CPU figure: is metrics-server running? (kubectl -n kube-system get deploy metrics-server)`,
    );
  }
  return fail(
    `${target.name} stayed at ${target.minReplicas} replicas for ${Math.round(windowMs / 1000)} s (${peak}, target ${target.cpuTargetPercent} %)`,
  );
}
