/**
 * The judgement behind the pod-loss checks: a backing pod (PostgreSQL, NATS) deleted while orders
 * are placed through the gateway must restart no service container, the shop must serve again
 * soon after the pod is back, and no accepted order may be lost.
 */
import { fail, pass, type CheckResult } from './check-result.js';
import type { LoadSample } from './paced-load.js';

/** The fields of a V1Pod the restart comparison reads (structurally compatible with client-node's V1Pod). */
export interface PodRestartView {
  readonly metadata?: { readonly name?: string; readonly labels?: Readonly<Record<string, string>> };
  readonly status?: {
    readonly containerStatuses?: readonly { readonly name: string; readonly restartCount: number }[];
    /** Native sidecars (istio-proxy with restartPolicy Always) report here. */
    readonly initContainerStatuses?: readonly { readonly name: string; readonly restartCount: number }[];
  };
}

/** Restart counts per `pod/container` of the pods of `apps`. */
export type RestartCounts = ReadonlyMap<string, number>;

export function restartCounts(pods: readonly PodRestartView[], apps: readonly string[]): RestartCounts {
  const counts = new Map<string, number>();
  for (const pod of pods) {
    if (!apps.includes(pod.metadata?.labels?.app ?? '')) continue;
    const name = pod.metadata?.name ?? '?';
    for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      counts.set(`${name}/${s.name}`, s.restartCount);
    }
  }
  return counts;
}

/**
 * What happened to the watched containers between two snapshots: restarts (`orders-1/orders 0 → 2`)
 * and pods that are gone (replaced pods cannot be compared, and a service pod should not be
 * replaced by a backing pod's loss).
 */
export function restartsBetween(before: RestartCounts, after: RestartCounts): string[] {
  const changes: string[] = [];
  const gone = new Set<string>();
  for (const [key, count] of before) {
    const now = after.get(key);
    if (now === undefined) gone.add(key.slice(0, key.indexOf('/')));
    else if (now > count) changes.push(`${key} ${count} → ${now}`);
  }
  for (const pod of [...gone].sort()) changes.push(`${pod} gone`);
  return changes;
}

export interface PodLossBounds {
  /** The shop must answer every order again within this long after the pod is Ready. */
  readonly recoveryMs: number;
  /** At least this many orders in a row must succeed after the last failure. */
  readonly minRequestsAfterRecovery: number;
  /** How long after the load every accepted order may take to appear in notifications. */
  readonly notifyMs: number;
}

export interface PodLossObservation {
  /** The pod that was deleted, e.g. `postgres-0`. */
  readonly pod: string;
  /** When it was deleted and when its replacement was Ready, in ms since the load started. */
  readonly deletedAt: number;
  readonly readyAt: number | undefined;
  readonly samples: readonly LoadSample[];
  /** From `restartsBetween`, over `watchedContainers` containers of the services' pods. */
  readonly restarts: readonly string[];
  readonly watchedContainers: number;
  /** Ids answered 201 that `GET /api/orders/:id` did not return afterwards. */
  readonly unreadable: readonly string[];
  /** Ids answered 201 that were not in notifications `bounds.notifyMs` after the load. */
  readonly unnotified: readonly string[];
  /** How long after the load the last accepted order appeared in notifications. */
  readonly notifiedAfterMs: number | undefined;
  readonly bounds: PodLossBounds;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const sample = (ids: readonly string[]): string =>
  `${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ` and ${ids.length - 3} more` : ''}`;

function tally(samples: readonly LoadSample[]): string {
  const counts = new Map<string, number>();
  for (const s of samples) {
    const key = s.status === 0 ? 'no answer' : String(s.status);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${v} × ${k}`)
    .join(', ');
}

/** Whether the shop survived the loss of one backing pod under load; every reason it did not, named. */
export function evaluatePodLoss(o: PodLossObservation): CheckResult {
  const problems: string[] = [];
  const accepted = o.samples.filter((s) => s.status === 201);
  const before = o.samples.filter((s) => s.sentAt < o.deletedAt);
  if (!before.some((s) => s.status === 201)) {
    return fail(
      `no order was placed before ${o.pod} was deleted (${tally(before) || 'no requests'}): the shop was not serving, cannot judge`,
    );
  }
  const timeline =
    `${o.pod} deleted at ${seconds(o.deletedAt)}` +
    (o.readyAt === undefined ? ', never Ready again' : `, Ready again ${seconds(o.readyAt - o.deletedAt)} later`);
  if (o.readyAt === undefined) problems.push(`${o.pod} was not Ready again`);

  const failures = o.samples.filter((s) => s.status !== 201);
  const lastFailure = failures.reduce<LoadSample | undefined>(
    (last, s) => (last === undefined || s.sentAt > last.sentAt ? s : last),
    undefined,
  );
  let recovery = 'no order failed';
  if (o.readyAt !== undefined) {
    const late = lastFailure === undefined ? 0 : lastFailure.sentAt - o.readyAt;
    if (lastFailure !== undefined) {
      recovery =
        late <= 0
          ? `every order sent after ${o.pod} was Ready succeeded`
          : `the last failed order was sent ${seconds(late)} after ${o.pod} was Ready`;
    }
    if (late > o.bounds.recoveryMs) {
      problems.push(`still failing ${seconds(late)} after ${o.pod} was Ready (bound ${seconds(o.bounds.recoveryMs)})`);
    }
    // Recovery is shown by orders that succeed after the pod is back and after the last failure.
    const settled = Math.max(o.readyAt, lastFailure?.sentAt ?? -Infinity);
    const after = o.samples.filter((s) => s.sentAt > settled).length;
    if (after < o.bounds.minRequestsAfterRecovery) {
      problems.push(
        `only ${after} orders were sent after ${o.pod} was Ready and the last failure (at least ${o.bounds.minRequestsAfterRecovery} must succeed to show recovery)`,
      );
    }
  }
  if (o.restarts.length > 0) problems.push(`service containers restarted: ${o.restarts.join(', ')}`);
  if (o.unreadable.length > 0) {
    problems.push(`${o.unreadable.length} accepted orders lost (not readable): ${sample(o.unreadable)}`);
  }
  if (o.unnotified.length > 0) {
    problems.push(
      `${o.unnotified.length} accepted orders not notified within ${seconds(o.bounds.notifyMs)}: ${sample(o.unnotified)}`,
    );
  }

  const detail =
    `${timeline}; ${o.samples.length} orders: ${tally(o.samples)}; ${recovery}; ` +
    `${accepted.length - o.unreadable.length}/${accepted.length} accepted orders readable, ` +
    `${accepted.length - o.unnotified.length} notified` +
    (o.notifiedAfterMs === undefined ? '' : ` (all within ${seconds(o.notifiedAfterMs)})`) +
    `; ${o.restarts.length === 0 ? 'no restarts' : `${o.restarts.length} restarts`} among ${o.watchedContainers} containers`;
  return problems.length === 0 ? pass(detail) : fail(`${problems.join('; ')} — ${detail}`);
}

/** The fields of a V1Pod that tell whether it replaced a deleted one and serves. */
export interface ReplacementView {
  readonly metadata?: { readonly uid?: string; readonly deletionTimestamp?: Date | string };
  readonly status?: { readonly conditions?: readonly { readonly type: string; readonly status: string }[] };
}

/** A pod other than the deleted one (another uid; a StatefulSet reuses the name), not terminating, Ready. */
export function isReadyReplacement(pod: ReplacementView, deletedUid: string): boolean {
  return (
    pod.metadata?.uid !== undefined &&
    pod.metadata.uid !== deletedUid &&
    pod.metadata.deletionTimestamp === undefined &&
    pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true
  );
}
