/** One request of a paced load, as the client saw it. */
export interface LoadSample {
  /** Index of the request, from 0. */
  readonly n: number;
  /** When it was sent, in ms since the load started. */
  readonly sentAt: number;
  readonly ms: number;
  /** HTTP status; 0 when no answer came (the error says why). */
  readonly status: number;
  /** The created resource's id, for a 201 that named one. */
  readonly id?: string;
  readonly error?: string;
}

export interface PacedLoadOptions {
  readonly ratePerSecond: number;
  /** A tick that finds this many requests unanswered sends nothing (counted in `skipped`). */
  readonly maxInFlight: number;
  /** The load ends by itself after this many requests. */
  readonly maxRequests: number;
  /** Ends the load; requests in flight are still awaited. */
  readonly signal: AbortSignal;
}

export interface PacedLoadResult {
  readonly samples: readonly LoadSample[];
  /** Ticks that sent nothing because `maxInFlight` requests were unanswered. */
  readonly skipped: number;
}

/**
 * Sends `send(n)` at a fixed rate, not waiting for answers (a slow answer does not slow the load,
 * as with real clients), until the signal aborts or `maxRequests` were sent. A `send` that throws
 * is recorded as status 0 with the error.
 */
export async function pacedLoad(
  send: (n: number) => Promise<{ readonly status: number; readonly id?: string }>,
  options: PacedLoadOptions,
): Promise<PacedLoadResult> {
  const started = Date.now();
  const samples: LoadSample[] = [];
  const inFlight = new Set<Promise<void>>();
  let skipped = 0;
  let sent = 0;
  const interval = 1000 / options.ratePerSecond;
  const fire = (): void => {
    const n = sent;
    sent += 1;
    const sentAt = Date.now() - started;
    const request = send(n).then(
      (answer) => {
        samples.push({
          n,
          sentAt,
          ms: Date.now() - started - sentAt,
          status: answer.status,
          ...(answer.id === undefined ? {} : { id: answer.id }),
        });
      },
      (error: unknown) => {
        samples.push({
          n,
          sentAt,
          ms: Date.now() - started - sentAt,
          status: 0,
          error: error instanceof Error ? error.message : String(error),
        });
      },
    );
    const tracked = request.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };
  let tick = 0;
  while (!options.signal.aborted && sent < options.maxRequests) {
    if (inFlight.size < options.maxInFlight) fire();
    else skipped += 1;
    tick += 1;
    // Paced from the start, so a slow tick does not shift the rest.
    const wait = started + tick * interval - Date.now();
    if (wait > 0) await abortableSleep(wait, options.signal);
  }
  await Promise.all(inFlight);
  return { samples: samples.sort((a, b) => a.n - b.n), skipped };
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
