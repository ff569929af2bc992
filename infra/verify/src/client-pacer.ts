/**
 * Spaces one client's requests at least `minIntervalMs` apart (from the start of one to the start
 * of the next), however they are sent: in one loop or in several calls that share the pacer.
 */
export class ClientPacer {
  readonly minIntervalMs: number;
  private last = -Infinity;

  constructor(minIntervalMs: number) {
    if (!(Number.isFinite(minIntervalMs) && minIntervalMs >= 0)) {
      throw new Error(`a pacer needs an interval of 0 ms or more, got ${minIntervalMs}`);
    }
    this.minIntervalMs = minIntervalMs;
  }

  /** Resolves when the client may send its next request. */
  async next(): Promise<void> {
    const wait = this.last + this.minIntervalMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    this.last = Date.now();
  }
}
