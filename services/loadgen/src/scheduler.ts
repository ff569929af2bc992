export interface SteadySchedulerOptions {
  /** Tasks started per second, evenly spaced. */
  readonly ratePerSecond: number;
  /** One unit of work; it must count its own failures (a rejection is only logged). */
  readonly task: () => Promise<unknown>;
  readonly onError: (error: unknown) => void;
}

/**
 * Starts a task every 1/rate seconds whether or not earlier ones have finished, so a slow
 * gateway shows up as latency in the graph rather than as a drop in offered load.
 */
export class SteadyScheduler {
  private readonly options: SteadySchedulerOptions;
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(options: SteadySchedulerOptions) {
    if (!(options.ratePerSecond > 0)) {
      throw new Error(`ratePerSecond must be positive, got ${options.ratePerSecond}`);
    }
    this.options = options;
  }

  get inFlight(): number {
    return this.running.size;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.launch(), 1000 / this.options.ratePerSecond);
  }

  /** Stops starting tasks and waits for the ones under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([...this.running]);
  }

  private launch(): void {
    const run = this.options
      .task()
      .then(
        () => undefined,
        (error: unknown) => this.options.onError(error),
      )
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }
}
