import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';

/** Thrown by {@link waitUntil} when the service stopped before the step succeeded. */
export class StartupAbandoned extends Error {
  constructor(what: string) {
    super(`stopped while waiting for ${what}`);
    this.name = 'StartupAbandoned';
  }
}

export interface WaitOptions {
  readonly logger: Logger;
  /** True once the service is shutting down: the wait ends with {@link StartupAbandoned}. */
  readonly stopped?: () => boolean;
  /** @default 200 */
  readonly firstDelayMs?: number;
  /** The pause between attempts doubles up to this. @default 5000 */
  readonly maxDelayMs?: number;
}

/**
 * Start-up only: runs `step` until it succeeds, pausing between failures (200 ms doubling to a cap
 * of 5 s). A starting service may wait for a dependency that is not there yet (PostgreSQL for its
 * migrations, JetStream for its streams); request paths never use this: there, the sidecar alone
 * retries and times out (scripts/check-resilience.ts flags it anywhere but start-up code).
 */
export async function waitUntil<T>(what: string, step: () => Promise<T>, options: WaitOptions): Promise<T> {
  const { logger } = options;
  let pause = options.firstDelayMs ?? 200;
  const cap = options.maxDelayMs ?? 5_000;
  for (let attempt = 1; ; attempt += 1) {
    if (options.stopped?.() === true) throw new StartupAbandoned(what);
    try {
      const result = await step();
      if (attempt > 1) logger.info({ attempts: attempt }, `${what}: done`);
      return result;
    } catch (error) {
      if (options.stopped?.() === true) throw new StartupAbandoned(what);
      logger.warn({ err: error, attempt, nextInMs: pause }, `${what}: not possible yet; waiting`);
    }
    await sleep(pause);
    pause = Math.min(cap, pause * 2);
  }
}
