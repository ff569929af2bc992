/**
 * HTTP calls made from inside a pod: `node -e <script> <spec>` in a container of a shop image
 * (every one ships node). Run from the app container, the call leaves through the pod's sidecar
 * with the pod's identity, which is what the mesh checks are about. The script prints one JSON
 * array of results, timed inside the pod so exec overhead does not count.
 */
export interface ProbeSpec {
  readonly url: string;
  /** @default 'GET' */
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as JSON with content-type application/json. */
  readonly json?: unknown;
  /** @default 1 */
  readonly count?: number;
  /** Requests in flight at once. @default 1 */
  readonly concurrency?: number;
}

/** One request's outcome, discriminated by `kind` like every result in the kit. */
export type ProbeResult =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly ms: number;
      /** Envoy set `x-envoy-overloaded`: a circuit breaker dropped the request. */
      readonly overloaded: boolean;
    }
  | { readonly kind: 'error'; readonly error: string; readonly ms: number };

export const PROBE_SCRIPT = `(async () => {
  const spec = JSON.parse(process.argv[1]);
  const headers = { ...(spec.headers || {}) };
  if (spec.json !== undefined) headers['content-type'] = 'application/json';
  const one = async () => {
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    try {
      const res = await fetch(spec.url, {
        method: spec.method || 'GET',
        headers,
        body: spec.json === undefined ? undefined : JSON.stringify(spec.json),
      });
      await res.arrayBuffer();
      return { kind: 'response', status: res.status, ms: ms(), overloaded: res.headers.get('x-envoy-overloaded') === 'true' };
    } catch (e) {
      return { kind: 'error', error: String((e.cause && (e.cause.code || e.cause.message)) || e.message), ms: ms() };
    }
  };
  const results = [];
  let next = 0;
  const worker = async () => {
    while (next < (spec.count || 1)) {
      next += 1;
      results.push(await one());
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency || 1 }, worker));
  process.stdout.write(JSON.stringify(results) + '\\n');
})();`;

/** The command to exec in a container. */
export function probeCommand(spec: ProbeSpec): string[] {
  return ['node', '-e', PROBE_SCRIPT, JSON.stringify(spec)];
}

/** Reads the script's output; throws with the output when it is not what the script prints. */
export function parseProbeOutput(stdout: string): ProbeResult[] {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new Error(`probe printed no result: ${stdout.slice(0, 200) || '(nothing)'}`);
  }
  if (!Array.isArray(parsed)) throw new Error(`probe printed ${line.slice(0, 200)}, not a list of results`);
  return parsed as ProbeResult[];
}

export function describeProbe(result: ProbeResult | undefined): string {
  if (result === undefined) return 'no result';
  return result.kind === 'response'
    ? `HTTP ${result.status} in ${result.ms} ms`
    : `failed (${result.error}) after ${result.ms} ms`;
}

/** Counts results by status code (or `error`), e.g. `{ "201": 18, "503": 2 }`. */
export function tally(results: readonly ProbeResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const result of results) {
    const key = result.kind === 'response' ? String(result.status) : 'error';
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export function formatTally(results: readonly ProbeResult[]): string {
  return Object.entries(tally(results))
    .map(([key, n]) => `${n}× ${key}`)
    .join(', ');
}
