import { setTimeout as sleep } from 'node:timers/promises';
import { HttpProblem } from '@mesh-kit/runtime';

/** The demo failure knob: off by default; the only failure injection in the shop. */
export interface FailureKnob {
  /** Share of requests answered 503, 0..1. */
  readonly failureRate: number;
  /** Latency added before answering, in ms. */
  readonly addedLatencyMs: number;
  /** Injected for tests; defaults to Math.random. */
  readonly random?: () => number;
}

export async function applyFailureKnob(knob: FailureKnob): Promise<void> {
  if (knob.addedLatencyMs > 0) await sleep(knob.addedLatencyMs);
  if (knob.failureRate > 0 && (knob.random ?? Math.random)() < knob.failureRate) {
    throw new HttpProblem(503, 'Payments is failing on purpose (PAYMENTS_FAILURE_RATE demo knob).');
  }
}
