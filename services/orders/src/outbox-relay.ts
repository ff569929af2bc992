import type pg from 'pg';
import { Counter, Gauge } from 'prom-client';
import {
  extractContext,
  wireSubject,
  type EventPublisher,
  type EventTopology,
  type Logger,
  type ServiceMetrics,
} from '@mesh-kit/runtime';
import type { OutboxRow } from './outbox-row.js';

export interface OutboxRelayProps {
  readonly pool: pg.Pool;
  /** Absent until the broker is first reached ({@link OutboxRelay.usePublisher}); rows wait meanwhile. */
  readonly publisher?: EventPublisher;
  readonly topology: EventTopology;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  /** Whether the broker connection is up; passes are skipped while it is down. @default always up */
  readonly isConnected?: () => boolean;
  /** Rows claimed and published per pass. @default 100 */
  readonly batchSize?: number;
  /** How often the safety-net poll looks for rows no post-commit trigger published. @default 1000 */
  readonly pollIntervalMs?: number;
  /** Published rows older than this are deleted (about once a minute, by the poll). @default 1 day */
  readonly retentionMs?: number;
}

const PRUNE_EVERY_MS = 60_000;
/** Post-commit publishes in flight before further commits wait for a batched pass instead. */
const MAX_DIRECT_PUBLISHES = 64;
const PRUNE_BATCH = 1000;
/** How long a published row waits for others to be marked with it. */
const MARK_BATCH_MS = 20;
/** How long a pass's claim on its rows lasts; well above a batch's publish time, short enough that a dead relay's rows are soon taken. */
const CLAIM_LEASE_MS = 5_000;

export interface OutboxBacklog {
  readonly pending: number;
  readonly oldestPendingSeconds: number;
}

/**
 * Publishes the outbox to JetStream. `publishNow()` right after an order commits publishes its row
 * within milliseconds, without claiming it; passes (`trigger()`, and a poll every `pollIntervalMs`)
 * publish whatever that missed (a crash between commit and publish, a broker outage, more direct
 * publishes in flight than allowed). Each pass claims rows for a short lease in one statement
 * (`FOR UPDATE SKIP LOCKED` inside it), so replicas share the work without waiting on each other
 * and no transaction or lock is held while the broker answers; it marks them published only once
 * the stream acknowledged them. While the broker is away (or not yet reached) rows simply wait.
 * A row published but not marked (a crash in between) is published again later: the stream's
 * duplicate window drops it by its `Nats-Msg-Id`, and consumers are idempotent beyond it.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly isConnected: () => boolean;
  private readonly retentionMs: number;
  private readonly failures: Counter;
  private lastPrune = 0;
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly direct = new Set<Promise<void>>();
  private readonly toMark: string[] = [];
  private nextMark: Promise<void> | undefined;
  private publisher: EventPublisher | undefined;
  /** The last backlog read, kept when a read fails (PostgreSQL away) so /metrics still answers. */
  private lastBacklog: OutboxBacklog = { pending: 0, oldestPendingSeconds: 0 };

  constructor(private readonly props: OutboxRelayProps) {
    this.batchSize = props.batchSize ?? 100;
    this.pollIntervalMs = props.pollIntervalMs ?? 1000;
    this.publisher = props.publisher;
    const brokerUp = props.isConnected ?? (() => true);
    this.isConnected = () => this.publisher !== undefined && brokerUp();
    this.retentionMs = props.retentionMs ?? 24 * 60 * 60 * 1000;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new Error(`batchSize must be a positive integer, got ${this.batchSize}`);
    }
    const registers = [props.metrics.registry];
    this.failures = new Counter({
      name: 'outbox_publish_failures_total',
      help: 'Outbox rows a pass could not publish; they stay pending for the next pass.',
      registers,
    });
    const read = (): Promise<OutboxBacklog> => this.backlog();
    new Gauge({
      name: 'outbox_backlog',
      help: 'Outbox rows not yet published to JetStream (the last value read while PostgreSQL is away).',
      registers,
      async collect() {
        this.set((await read()).pending);
      },
    });
    new Gauge({
      name: 'outbox_oldest_pending_seconds',
      help: 'Age of the oldest unpublished outbox row (0 when none).',
      registers,
      async collect() {
        this.set((await read()).oldestPendingSeconds);
      },
    });
  }

  /** Rows waiting to be published and the age of the oldest; the last known figures when PostgreSQL does not answer. */
  async backlog(): Promise<OutboxBacklog> {
    try {
      const { rows } = await this.props.pool.query<{ n: number; age: number | null }>(
        `SELECT count(*)::int AS n, extract(epoch FROM now() - min(created_at))::float8 AS age
         FROM outbox WHERE published_at IS NULL`,
      );
      this.lastBacklog = { pending: rows[0]!.n, oldestPendingSeconds: rows[0]!.age ?? 0 };
    } catch (error) {
      this.props.logger.debug({ err: error }, 'outbox backlog not readable now');
    }
    return this.lastBacklog;
  }

  /** The broker was reached: publish from now on, starting with what waited. */
  usePublisher(publisher: EventPublisher): void {
    this.publisher = publisher;
    this.trigger();
  }

  /** Starts the poll and publishes what an earlier process left behind. */
  start(): void {
    this.timer = setInterval(() => {
      this.trigger();
      if (Date.now() - this.lastPrune >= PRUNE_EVERY_MS) {
        this.lastPrune = Date.now();
        this.prune().catch((error: unknown) => this.props.logger.error({ err: error }, 'outbox prune failed'));
      }
    }, this.pollIntervalMs);
    this.timer.unref();
    this.trigger();
  }

  /** Asks for a pass soon; calls while one runs fold into one more pass after it. */
  trigger(): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.passes().finally(() => {
      this.running = undefined;
    });
  }

  /**
   * The fast path, right after an order commits: publishes that row at once and marks it, without
   * claiming it (no extra transaction, no waiting for a pass in progress). With many direct
   * publishes already in flight, it asks for a pass instead, which batches. Should a pass claim the
   * same row meanwhile, the stream drops the second copy by its `Nats-Msg-Id`. Anything that fails
   * here stays pending for the poll.
   */
  publishNow(event: OutboxRow): void {
    if (this.stopped) return;
    // Bounded: past this many in flight, commits fold into one claiming pass, which batches.
    if (!this.isConnected() || this.direct.size >= MAX_DIRECT_PUBLISHES) {
      this.trigger();
      return;
    }
    const { topology, logger } = this.props;
    const publisher = this.publisher!;
    const inFlight = (async () => {
      await publisher.publish(
        wireSubject(topology, event.subject),
        event.payload,
        extractContext({ ...event.headers }, event.headers['x-request-id']),
      );
      await this.markPublished(event.id);
    })().catch((error: unknown) => {
      this.failures.inc();
      logger.warn({ err: error, eventId: event.id }, 'post-commit publish failed; the poll publishes the row');
    });
    this.direct.add(inFlight);
    void inFlight.finally(() => this.direct.delete(inFlight));
  }

  /**
   * Marks a published row, in one statement with the others acknowledged within MARK_BATCH_MS:
   * at a steady rate of orders that saves a PostgreSQL round trip per order. A crash before the
   * mark leaves the row to the poll, which publishes it again (dropped by its `Nats-Msg-Id`).
   */
  private markPublished(id: string): Promise<void> {
    this.toMark.push(id);
    this.nextMark ??= new Promise<void>((resolve) => setTimeout(resolve, MARK_BATCH_MS)).then(async () => {
      const ids = this.toMark.splice(0);
      this.nextMark = undefined;
      await this.props.pool.query(
        'UPDATE outbox SET published_at = now() WHERE id = ANY($1::uuid[]) AND published_at IS NULL',
        [ids],
      );
    });
    return this.nextMark;
  }

  /** Resolves once no pass and no post-commit publish is running. */
  async idle(): Promise<void> {
    while (this.running !== undefined || this.direct.size > 0) await Promise.all([this.running, ...this.direct]);
  }

  /** Stops polling and waits for the pass and the post-commit publishes in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all([this.running, ...this.direct]);
  }

  private async passes(): Promise<void> {
    do {
      this.again = false;
      if (!this.isConnected()) return;
      try {
        const { published, claimed } = await this.publishBatch();
        // A full batch means more may be waiting: go on without waiting for the next trigger.
        if (claimed === this.batchSize && published > 0) this.again = true;
      } catch (error) {
        this.props.logger.error({ err: error }, 'outbox pass failed; the next trigger or poll picks the rows up');
        return;
      }
    } while (this.again && !this.stopped);
  }

  /** Deletes up to a batch of rows published longer ago than the retention; returns how many. */
  async prune(): Promise<number> {
    const result = await this.props.pool.query(
      `DELETE FROM outbox WHERE id IN (
         SELECT id FROM outbox WHERE published_at < now() - $1 * interval '1 millisecond' LIMIT $2)`,
      [this.retentionMs, PRUNE_BATCH],
    );
    return result.rowCount ?? 0;
  }

  /**
   * One pass: claims up to a batch of pending rows for a lease (one statement, committed at once),
   * publishes them with no transaction open, marks the acknowledged ones and gives the others back.
   * Rows claimed by a relay that died are claimed again once the lease lapses; a row published twice
   * that way is dropped by the stream's duplicate window.
   */
  async publishBatch(): Promise<{ claimed: number; published: number }> {
    const { pool, topology, logger } = this.props;
    const publisher = this.publisher;
    if (publisher === undefined) return { claimed: 0, published: 0 };
    const claimed = await pool.query<OutboxRow & { created_at: Date }>(
      `UPDATE outbox SET claimed_until = now() + $2 * interval '1 millisecond'
       WHERE id IN (
         SELECT id FROM outbox
         WHERE published_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
         ORDER BY created_at
         LIMIT $1
         FOR UPDATE SKIP LOCKED)
       RETURNING id, subject, payload, headers, created_at`,
      [this.batchSize, CLAIM_LEASE_MS],
    );
    const rows = claimed.rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
    const results = await Promise.allSettled(
      rows.map((row) => {
        const requestId = row.headers['x-request-id'];
        return publisher.publish(
          wireSubject(topology, row.subject),
          row.payload,
          extractContext(row.headers, requestId),
        );
      }),
    );
    const done = rows.filter((_, i) => results[i]!.status === 'fulfilled').map((row) => row.id);
    const failedIds = rows.filter((_, i) => results[i]!.status === 'rejected').map((row) => row.id);
    await pool.query(
      `UPDATE outbox SET published_at = CASE WHEN id = ANY($1::uuid[]) THEN now() END, claimed_until = NULL
       WHERE id = ANY($1::uuid[]) OR id = ANY($2::uuid[])`,
      [done, failedIds],
    );
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failed.length > 0) {
      this.failures.inc(failed.length);
      logger.warn(
        { err: failed[0], failed: failed.length, published: done.length },
        'some outbox rows were not published; they stay pending',
      );
    }
    return { claimed: rows.length, published: done.length };
  }
}
