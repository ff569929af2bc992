import { SHOP_SERVICES, type ShopService } from './shop.js';

/** One /readyz probe: as a kubelet would send it (1 s timeout); status 0 when nothing answered in time. */
export interface Probe {
  readonly service: ShopService;
  readonly at: number;
  readonly status: number;
}

/** Probes every service's /readyz every `periodMs` until stopped. */
export class ReadinessProbes {
  readonly probes: Probe[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly urls: Readonly<Record<ShopService, string>>,
    private readonly periodMs = 250,
    private readonly timeoutMs = 1_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      for (const service of SHOP_SERVICES) {
        const probe = this.probe(service);
        this.inFlight.add(probe);
        void probe.finally(() => this.inFlight.delete(probe));
      }
    }, this.periodMs);
  }

  async stop(): Promise<Probe[]> {
    clearInterval(this.timer);
    await Promise.all([...this.inFlight]);
    return this.probes;
  }

  private async probe(service: ShopService): Promise<void> {
    const at = Date.now();
    let status: number;
    try {
      const res = await fetch(`${this.urls[service]}/readyz`, { signal: AbortSignal.timeout(this.timeoutMs) });
      await res.arrayBuffer();
      status = res.status;
    } catch {
      status = 0; // refused, or no answer within the probe's timeout
    }
    this.probes.push({ service, at, status });
  }
}
