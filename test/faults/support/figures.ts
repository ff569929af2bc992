import type { Sample } from './load.js';

/** A success: any 2xx. Anything else (4xx, 5xx, no answer) counts against recovery. */
export const succeeded = (s: Sample): boolean => s.status >= 200 && s.status < 300;

export interface Window {
  /** When the fault began and when the test ended it (ms since epoch). */
  readonly start: number;
  readonly end: number;
}

/** Consecutive successes that make a kind of request count as recovered. */
export interface Streaks {
  /** Order placements (20/s by default). */
  readonly place: number;
  /** Reads of one service (a few per second each). */
  readonly read: number;
}

export interface Figures {
  readonly requests: number;
  readonly ok: number;
  readonly clientErrors: number;
  readonly serverErrors: number;
  /** Refused, reset, or no answer within the client's timeout. */
  readonly noAnswer: number;
  /**
   * Seconds from the fault's end until every kind of request (placements, and reads of each
   * service) that failed since the fault began has had its streak of consecutive successes
   * (counted from the first of them); 0 when nothing failed; undefined when some kind of request
   * had not recovered when the load stopped.
   */
  readonly secondsToRecover: number | undefined;
  /** Failures that ended before the fault began, or started after their kind of request had recovered. */
  readonly failuresOutsideFault: readonly Sample[];
}

const kindOf = (s: Sample): string => `${s.kind} ${s.service}`;

/** When the first of `streak` consecutive successes started at or after `since`, or undefined. */
function firstStreak(byStart: readonly Sample[], since: number, streak: number): number | undefined {
  const after = byStart.filter((s) => s.start >= since);
  for (let i = 0; i + streak <= after.length; i++) {
    if (after.slice(i, i + streak).every(succeeded)) return after[i]!.start;
  }
  return undefined;
}

/**
 * For each kind of request: when it recovered (the fault's end when it never failed during the
 * fault), or undefined when it has not yet.
 */
export function recoveryByKind(
  samples: readonly Sample[],
  window: Window,
  streaks: Streaks,
): Map<string, number | undefined> {
  const kinds = new Map<string, Sample[]>();
  for (const s of [...samples].sort((a, b) => a.start - b.start)) {
    const list = kinds.get(kindOf(s)) ?? [];
    list.push(s);
    kinds.set(kindOf(s), list);
  }
  const recovered = new Map<string, number | undefined>();
  for (const [kind, list] of kinds) {
    const failed = list.some((s) => !succeeded(s) && s.end >= window.start);
    const streak = list[0]!.kind === 'place' ? streaks.place : streaks.read;
    recovered.set(kind, failed ? firstStreak(list, window.end, streak) : window.end);
  }
  return recovered;
}

/** When every kind of request had recovered, or undefined. */
export function recoveredAt(samples: readonly Sample[], window: Window, streaks: Streaks): number | undefined {
  const times = [...recoveryByKind(samples, window, streaks).values()];
  if (times.some((t) => t === undefined)) return undefined;
  return Math.max(window.end, ...(times as number[]));
}

export function computeFigures(samples: readonly Sample[], window: Window, streaks: Streaks): Figures {
  const byKind = recoveryByKind(samples, window, streaks);
  const recovered = recoveredAt(samples, window, streaks);
  const failuresOutsideFault = [...samples]
    .sort((a, b) => a.start - b.start)
    .filter((s) => {
      if (succeeded(s)) return false;
      const kindRecovered = byKind.get(kindOf(s));
      return s.end < window.start || (kindRecovered !== undefined && s.start >= kindRecovered);
    });
  return {
    requests: samples.length,
    ok: samples.filter(succeeded).length,
    clientErrors: samples.filter((s) => s.status >= 400 && s.status < 500).length,
    serverErrors: samples.filter((s) => s.status >= 500).length,
    noAnswer: samples.filter((s) => s.status === 0).length,
    secondsToRecover: recovered === undefined ? undefined : (recovered - window.end) / 1000,
    failuresOutsideFault,
  };
}
