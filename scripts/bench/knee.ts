import { paced, type PacedRequest, type PacedResult } from './paced.js';

export interface KneeStep extends PacedResult {
  readonly rate: number;
}

export interface Knee {
  readonly p99LimitMs: number;
  /** The highest paced rate whose p99 stayed within the limit with every request answered 2xx. */
  readonly rate: number | undefined;
  readonly steps: readonly KneeStep[];
}

/**
 * Paces `rates` in increasing order for `seconds` each and stops after the first one whose p99
 * exceeds `p99LimitMs` (or that fails requests): the rate before it is the knee.
 */
export async function findKnee(
  baseUrl: string,
  rates: readonly number[],
  seconds: number,
  p99LimitMs: number,
  next: () => PacedRequest,
): Promise<Knee> {
  const steps: KneeStep[] = [];
  let knee: number | undefined;
  for (const rate of rates) {
    const result = await paced(baseUrl, rate, seconds, next);
    steps.push({ rate, ...result });
    if (result.p99Ms > p99LimitMs || result.failed > 0) break;
    knee = rate;
  }
  return { p99LimitMs, rate: knee, steps };
}
