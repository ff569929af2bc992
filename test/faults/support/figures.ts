import type { Sample } from './load.js';

/** A success: any 2xx. Anything else (4xx, 5xx, no answer) counts against recovery. */
export const succeeded = (s: Sample): boolean => s.status >= 200 && s.status < 300;

export interface Window {
  /** When the fault began and when the test ended it (ms since epoch). */
  readonly start: number;
  readonly end: number;
}

export interface Figures {
  readonly requests: number;
  readonly ok: number;
  readonly clientErrors: number;
  readonly serverErrors: number;
  /** Refused, reset, or no answer within the client's timeout. */
  readonly noAnswer: number;
  /**
   * Seconds from the fault's end to the start of the first of `streak` consecutive successes
   * (requests ordered by start); 0 when the shop never failed; undefined when it did not recover
   * while the load ran.
   */
  readonly secondsToRecover: number | undefined;
  /** Failures that ended before the fault began or started after the shop had recovered. */
  readonly failuresOutsideFault: number;
}

export function computeFigures(samples: readonly Sample[], window: Window, streak: number): Figures {
  const byStart = [...samples].sort((a, b) => a.start - b.start);
  const recoveredAt = recoveredSince(samples, window.end, streak);
  const failures = byStart.filter((s) => !succeeded(s));
  const failedDuring = failures.some((s) => s.end >= window.start);
  const secondsToRecover =
    recoveredAt === undefined ? undefined : failedDuring ? Math.max(0, recoveredAt - window.end) / 1000 : 0;
  const failuresOutsideFault = failures.filter(
    (s) => s.end < window.start || (recoveredAt !== undefined && s.start >= recoveredAt),
  ).length;
  return {
    requests: samples.length,
    ok: samples.filter(succeeded).length,
    clientErrors: samples.filter((s) => s.status >= 400 && s.status < 500).length,
    serverErrors: samples.filter((s) => s.status >= 500).length,
    noAnswer: samples.filter((s) => s.status === 0).length,
    secondsToRecover,
    failuresOutsideFault,
  };
}

/** Whether the load has seen `streak` consecutive successes started after `since`, and when the first of them started. */
export function recoveredSince(samples: readonly Sample[], since: number, streak: number): number | undefined {
  const after = samples.filter((s) => s.start >= since).sort((a, b) => a.start - b.start);
  for (let i = 0; i + streak <= after.length; i++) {
    if (after.slice(i, i + streak).every(succeeded)) return after[i]!.start;
  }
  return undefined;
}
