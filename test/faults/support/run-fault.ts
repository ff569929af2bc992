import { setTimeout as sleep } from 'node:timers/promises';
import { EVENTS_SETTLE_MS } from '../../../test-support/redelivery.js';
import { createUsers, restoreEnvironment, type FaultEnvironment } from './environment.js';
import { computeFigures, recoveredAt, succeeded, type Figures, type Streaks, type Window } from './figures.js';
import { readLedger, type Ledger } from './ledger.js';
import { DEFAULT_LOAD, PacedLoad, type LoadOptions, type Sample } from './load.js';
import type { Fault } from './matrix.js';
import { ReadinessProbes, type Probe } from './readiness.js';
import { logDigest } from './service-logs.js';
import type { UnexpectedExit } from './shop.js';

export interface RunOptions {
  readonly load: LoadOptions;
  /** Consecutive successes that count as recovered, per kind of request. */
  readonly streaks: Streaks;
  /** The promise: recovered within this long of the fault's end. */
  readonly recoverWithinMs: number;
  /** Load kept on after recovery, to see that failures do not come back. */
  readonly observeAfterRecoveryMs: number;
  /** How long the events may take to reach notifications and analytics once the load stops. */
  readonly settleMs: number;
  readonly usersPerFault: number;
}

export const DEFAULT_RUN: RunOptions = {
  load: DEFAULT_LOAD,
  streaks: { place: 10, read: 3 },
  recoverWithinMs: 10_000,
  observeAfterRecoveryMs: 2_000,
  settleMs: EVENTS_SETTLE_MS,
  usersPerFault: 4,
};

export interface FaultResult {
  readonly id: string;
  readonly title: string;
  readonly figures: Figures;
  readonly ledger: Ledger | undefined;
  readonly unexpectedExits: readonly UnexpectedExit[];
  /** Every promise the fault broke, in words; empty when it was survived. */
  readonly violations: readonly string[];
  readonly faultSeconds: number;
}

/**
 * Runs one fault under the paced load and checks the promises: no process exits unless the test
 * killed it, no order answered 201 is lost or duplicated, failures only while the fault lasts, and
 * recovery within `recoverWithinMs` of its end. Whatever the fault left down is brought back first
 * (PostgreSQL, NATS, dead services), so one fault's damage does not spill into the next one's figures.
 */
export async function runFault(
  env: FaultEnvironment,
  fault: Fault,
  options: RunOptions = DEFAULT_RUN,
): Promise<FaultResult> {
  await restoreEnvironment(env);
  env.shop.takeUnexpectedExits();
  const users = await createUsers(env.shop, options.usersPerFault);
  const violations: string[] = [];
  await fault.prepare?.(env);

  const load = new PacedLoad(env.shop.urls, users, options.load);
  const probes = new ReadinessProbes(env.shop.urls);
  const quietPeriods: { from: number; to: number; what: string }[] = [];
  const loadStart = Date.now();
  load.start();
  probes.start();
  await sleep(fault.warmupMs ?? 1_500);
  let began: number | undefined;
  let ended: number | undefined;
  const runStart = Date.now();
  try {
    await fault.run(env, {
      began: () => (began = Date.now()),
      ended: () => (ended = Date.now()),
      violation: (message) => violations.push(message),
      quiet: (from, to, what) => quietPeriods.push({ from, to, what }),
    });
  } catch (error) {
    violations.push(`the fault itself failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const window = { start: began ?? runStart, end: ended ?? Date.now() };

  // Keep the load on until the shop has recovered and stayed so for a while, or the promise has lapsed.
  const giveUpAt = window.end + options.recoverWithinMs + options.observeAfterRecoveryMs;
  for (;;) {
    const recovered = recoveredAt(load.samples, window, options.streaks);
    if (recovered !== undefined && Date.now() >= recovered + options.observeAfterRecoveryMs) break;
    if (Date.now() >= giveUpAt) break;
    await sleep(100);
  }
  const samples = await load.stop();
  const probed = await probes.stop();
  const unexpectedExits = env.shop.takeUnexpectedExits();

  // Dead services come back (as their pods would) before the books are read: what counts is
  // whether an order is lost for good, not whether it waited for a restart.
  let ledger: Ledger | undefined;
  try {
    await restoreEnvironment(env);
    const accepted = samples.flatMap((s) => (s.orderId === undefined ? [] : [s.orderId]));
    const settleBy = Date.now() + options.settleMs;
    for (;;) {
      ledger = await readLedger(env.shop, users, accepted).catch(() => undefined);
      if ((ledger !== undefined && ledger.lost === 0 && ledger.duplicated === 0) || Date.now() >= settleBy) break;
      await sleep(250);
    }
  } catch (error) {
    violations.push(`could not restore the shop: ${error instanceof Error ? error.message : String(error)}`);
  }
  unexpectedExits.push(...env.shop.takeUnexpectedExits());

  const figures = computeFigures(samples, window, options.streaks);
  for (const exit of unexpectedExits)
    violations.push(`${exit.service} exited (${String(exit.code)}), see ${exit.logFile}`);
  if (ledger === undefined) violations.push('the ledger could not be read');
  else {
    const books = JSON.stringify({ unconfirmed: ledger.unconfirmed, pending: ledger.pending, ...ledger.detail });
    if (ledger.lost > 0) violations.push(`${ledger.lost} lost: ${books}`);
    if (ledger.duplicated > 0) violations.push(`${ledger.duplicated} duplicated: ${books}`);
  }
  if (figures.clientErrors > 0) violations.push(`${figures.clientErrors} valid requests answered 4xx`);
  if (figures.failuresOutsideFault.length > 0) {
    violations.push(
      `${figures.failuresOutsideFault.length} failures outside the fault: ${describeOutside(figures.failuresOutsideFault, window)}`,
    );
  }
  for (const service of fault.staysReady) {
    const run = longestFailingRun(probed, service);
    if (run >= 3) violations.push(`${service} /readyz failed ${run} probes in a row (it would leave the rotation)`);
  }
  for (const q of quietPeriods) {
    const failed = samples.filter((s) => s.start >= q.from && s.end <= q.to && !succeeded(s));
    if (failed.length > 0) {
      const statuses = [...new Set(failed.map((s) => s.status))].join(', ');
      violations.push(`${failed.length} requests failed ${q.what} (status ${statuses}; 0 = no answer)`);
    }
  }
  if (figures.secondsToRecover === undefined) violations.push('did not recover');
  else if (figures.secondsToRecover * 1000 > options.recoverWithinMs) {
    violations.push(`recovered after ${figures.secondsToRecover.toFixed(1)} s`);
  }
  if (violations.length > 0) {
    const digest = logDigest(env.shop.logDir, loadStart, Date.now());
    violations.push(
      `what the services logged at warn and above, from the load's start to the books: ${digest.length === 0 ? 'nothing' : `\n${digest.join('\n')}`}`,
    );
  }
  return {
    id: fault.id,
    title: fault.title,
    figures,
    ledger,
    unexpectedExits,
    violations,
    faultSeconds: (window.end - window.start) / 1000,
  };
}

/** Each failure as its kind, status and start relative to the fault's end, e.g. `place orders 503 at +2.4 s`. */
function describeOutside(failures: readonly Sample[], window: Window): string {
  return failures
    .map(
      (s) =>
        `${s.kind} ${s.service} ${s.status} at ${s.start >= window.end ? '+' : ''}${((s.start - window.end) / 1000).toFixed(1)} s`,
    )
    .join('; ');
}

/** The most consecutive failed /readyz probes of `service`. */
function longestFailingRun(probes: readonly Probe[], service: string): number {
  let longest = 0;
  let current = 0;
  for (const p of [...probes].filter((p) => p.service === service).sort((a, b) => a.at - b.at)) {
    current = p.status === 200 ? 0 : current + 1;
    longest = Math.max(longest, current);
  }
  return longest;
}
