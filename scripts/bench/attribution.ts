/** Where a V8 CPU profile's time went, by package: the itemized cost of a request. */

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}

export interface CpuProfile {
  /** µs on the monotonic clock (the one `process.hrtime` reads). */
  readonly startTime: number;
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/**
 * The owner of a frame: the npm package (`express`, `pino`, `@opentelemetry/api`), the workspace
 * (`runtime`, `users`), `node` for Node's own JavaScript, or V8's pseudo-frames (`(garbage
 * collector)`, `(program)`, `(idle)`).
 */
export function ownerOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : 'native';
  if (url.startsWith('node:')) return 'node';
  const pkg = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg !== null) return pkg[1]!;
  const workspace = /services\/([^/]+)\//.exec(url);
  if (workspace !== null) return workspace[1]!;
  return 'other';
}

/** A span of the monotonic clock in µs (`process.hrtime.bigint() / 1000n`). */
export interface Window {
  readonly fromUs: number;
  readonly toUs: number;
}

/** Self time per owner in ms (idle excluded), largest first; only samples inside `window` when given (not start-up). */
export function selfTimeByOwner(profile: CpuProfile, window?: Window): [owner: string, ms: number][] {
  const owner = new Map(profile.nodes.map((n) => [n.id, ownerOf(n.callFrame)]));
  const totals = new Map<string, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window !== undefined && (at < window.fromUs || at > window.toUs)) return;
    const who = owner.get(id) ?? 'other';
    if (who === '(idle)') return;
    totals.set(who, (totals.get(who) ?? 0) + delta / 1000);
  });
  return [...totals.entries()].sort((a, b) => b[1] - a[1]);
}
