import { cpus, loadavg } from 'node:os';

/** One row of the read comparison: the same GET /users/:id through one stack; medians of the rounds. */
export interface ReadRow {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuUsPerRequest: number;
  /** CPU µs per request of each round, in order: the spread behind the median. */
  readonly cpuUsPerRequestRounds: readonly number[];
}

/** POST /orders at a paced rate against users, payments and orders (products too, where it exists). */
export interface OrderRun {
  /** Whether the services ran with the catalog's NODE_OPTIONS (false: V8's defaults). */
  readonly heapCaps: boolean;
  /** The NODE_OPTIONS the services ran with. */
  readonly nodeOptions: string;
  readonly ratePerSecond: number;
  readonly achievedPerSecond: number;
  readonly failed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU ms each service spent per order placed. */
  readonly cpuMsPerOrder: Readonly<Record<string, number>>;
  readonly rssMiB: Readonly<Record<string, number>>;
}

/** One way of placing orders (the kit's services, or the anchor's bare processes) at a paced rate. */
export interface OrderStackFigures {
  readonly label: string;
  /** CPU ms per order of each process (users, products, payments, orders): medians of the rounds. */
  readonly cpuMsPerOrder: Readonly<Record<string, number>>;
  /** The sum over the processes in each round, in order: the spread behind the medians. */
  readonly cpuMsPerOrderRounds: readonly number[];
  readonly achievedPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Over all rounds. */
  readonly failed: number;
}

/** The order path against its anchor (scripts/bench/bare-order-server.ts), interleaved rounds. */
export interface OrderAnchor {
  readonly ratePerSecond: number;
  readonly kit: OrderStackFigures;
  readonly bare: OrderStackFigures;
  /** BENCH_KIT_B's stack, when the run compared another checkout. */
  readonly kitB?: OrderStackFigures;
}

/** Everything `npm run bench` measured in one run; `--json` writes it, `npm run bench:table` renders it. */
export interface BenchResults {
  readonly machine: {
    readonly cpus: number;
    readonly model: string;
    readonly node: string;
    readonly date: string;
    /** The 1-minute load average near the end of the run, the bench's own processes included. */
    readonly loadAverage: number;
  };
  readonly settings: {
    readonly seconds: number;
    readonly connections: number;
    readonly rounds: number;
    /** Whether the read rows ran with the load generator and the server on CPUs of their own. */
    readonly pinned: boolean;
  };
  readonly read: {
    readonly nodeHttp: ReadRow;
    readonly bareExpress: ReadRow;
    readonly users: ReadRow;
    /** Bare Express behind the runtime's first 1, 2, … layers (the read of bareExpress, same process settings). */
    readonly layers: readonly (ReadRow & { readonly name: string })[];
    /** The users service under the catalog's NODE_OPTIONS and others; RSS after the reads. */
    readonly heapSettings: readonly (ReadRow & {
      readonly label: string;
      readonly nodeOptions: string;
      readonly rssMiB: number;
    })[];
  };
  readonly idleCpuPercent: Readonly<Record<string, number>>;
  readonly orders: readonly OrderRun[];
  /** Absent from runs before the anchor existed. */
  readonly orderAnchor?: OrderAnchor;
  readonly knee: {
    readonly p99LimitMs: number;
    readonly rate: number | null;
    readonly steps: readonly {
      rate: number;
      achievedPerSecond: number;
      p50Ms: number;
      p99Ms: number;
      failed: number;
    }[];
  };
  /** The last JSON line of scripts/bench-events.ts: the whole shop at a paced rate. */
  readonly shop: Readonly<Record<string, unknown>>;
}

export function machine(): BenchResults['machine'] {
  return {
    cpus: cpus().length,
    model: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    date: new Date().toISOString().slice(0, 10),
    loadAverage: Number(loadavg()[0]!.toFixed(1)),
  };
}

const TARGETS = {
  usersOverBareExpress: 1.15,
  /** users + products + payments + orders, at the anchor's rate. */
  cpuMsPerOrder: 3.2,
  orderOverAnchor: 1.3,
  /** The knee (p99 ≤ 50 ms) at or above this rate. */
  kneeRate: 150,
  shopP99Ms: 100,
  lagP99Ms: 50,
  rssMiB: 100,
  idlePercent: 0.5,
};

const fixed = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const verdict = (ok: boolean): string => (ok ? 'met' : 'missed');
const sum = (values: Readonly<Record<string, number>>, only?: readonly string[]): number =>
  Object.entries(values)
    .filter(([name]) => only === undefined || only.includes(name))
    .reduce((total, [, v]) => total + v, 0);

/** The CPU figures of the paced runs: users, payments and orders; products (when present) is stated apart. */
const ORDER_PATH = ['users', 'payments', 'orders'];
/** Every process of a new order, in the order the anchor's figures are printed. */
const ANCHOR_PATH = ['users', 'products', 'payments', 'orders'];

const total = (f: OrderStackFigures): number => sum(f.cpuMsPerOrder);
const perProcess = (f: OrderStackFigures): string =>
  `${ANCHOR_PATH.map((s) => fixed(f.cpuMsPerOrder[s] ?? Number.NaN, 2)).join(' + ')} = ${fixed(total(f), 2)} ms (rounds ${f.cpuMsPerOrderRounds.map((x) => fixed(x, 2)).join(', ')}; p99 ${fixed(f.p99Ms)} ms, ${fixed(f.achievedPerSecond, 0)}/s, ${f.failed} failed)`;

/** The kit's order against the anchor, process by process: what `npm run bench` prints. */
export function renderOrderAnchor(a: OrderAnchor, m: BenchResults['machine']): string {
  const line = (f: OrderStackFigures): string => `  ${f.label.padEnd(6)} ${perProcess(f)}`;
  const ratios = ANCHOR_PATH.map(
    (s) => `${s} ${fixed((a.kit.cpuMsPerOrder[s] ?? Number.NaN) / (a.bare.cpuMsPerOrder[s] ?? Number.NaN), 2)}×`,
  ).join(', ');
  return [
    `CPU ms per order at ${a.ratePerSecond}/s (${ANCHOR_PATH.join(' + ')}), load average ${m.loadAverage}:`,
    line(a.kit),
    line(a.bare),
    ...(a.kitB === undefined ? [] : [line(a.kitB), `  kit / kit B: ${fixed(total(a.kit) / total(a.kitB), 2)}×`]),
    `  kit / bare: ${fixed(total(a.kit) / total(a.bare), 2)}× (${ratios})`,
  ].join('\n');
}

/** `BENCH_ONLY=reads`: each read target's CPU µs per request (median, rounds) and its ratio to bare Express. */
export function renderReadRows(
  rows: Readonly<Record<string, ReadRow>>,
  layerNames: readonly string[],
  m: BenchResults['machine'],
): string {
  const bare = rows.bareExpress?.cpuUsPerRequest ?? Number.NaN;
  const label = (key: string): string => {
    const layer = /^layer(\d+)$/.exec(key);
    return layer === null ? key : `+ ${layerNames[Number(layer[1]) - 1] ?? key}`;
  };
  return [
    `GET /users/:id, CPU µs per request (median; rounds), load average ${m.loadAverage}:`,
    ...Object.entries(rows).map(
      ([key, row]) =>
        `  ${label(key).padEnd(58)} ${fixed(row.cpuUsPerRequest, 0).padStart(5)} (${row.cpuUsPerRequestRounds.join(', ')}) ${fixed(row.cpuUsPerRequest / bare, 2)}× bare Express`,
    ),
  ].join('\n');
}

/**
 * The figures as a Markdown table: target, measured, verdict. `brief` keeps the rows with a
 * target and the runtime's layer-by-layer cost (the README's table); the rest are figures.
 */
export function renderTable(r: BenchResults, brief = false): string {
  const { nodeHttp, bareExpress, users } = r.read;
  const ratio = users.cpuUsPerRequest / bareExpress.cpuUsPerRequest;
  const highest = Math.max(...r.orders.map((o) => o.ratePerSecond));
  const capped = r.orders.find((o) => o.heapCaps && o.ratePerSecond === highest) ?? r.orders[0]!;
  const uncapped = r.orders.find((o) => !o.heapCaps);
  // The cost of an order is read below saturation; at the highest rate queueing and failures add to it.
  const light = r.orders.find((o) => o.heapCaps && o.ratePerSecond < highest) ?? capped;
  const cpuOf = (run: OrderRun): string =>
    `${ORDER_PATH.map((s) => fixed(run.cpuMsPerOrder[s] ?? Number.NaN, 2)).join(' + ')} = ${fixed(sum(run.cpuMsPerOrder, ORDER_PATH), 2)} ms` +
    Object.entries(run.cpuMsPerOrder)
      .filter(([name]) => !ORDER_PATH.includes(name))
      .map(([name, ms]) => `; ${name} ${fixed(ms, 2)} ms apart`)
      .join('');
  const spread = (row: ReadRow): string =>
    row.cpuUsPerRequestRounds.length > 1
      ? `${Math.min(...row.cpuUsPerRequestRounds)}–${Math.max(...row.cpuUsPerRequestRounds)}`
      : '';
  const maxRss = Math.max(...Object.values(capped.rssMiB));
  const maxIdle = Math.max(...Object.values(r.idleCpuPercent));
  const shopP99 = Number(r.shop.postOrderP99Ms);
  const lagP99 = Number(r.shop.p99Ms);
  const shopRate = Number(r.shop.achievedRate);
  type Row = [string, string, string, string];
  const rows: Row[] = [
    [
      'GET /users/:id: node:http → bare Express → users (CPU µs per request)',
      `users ≤ ${TARGETS.usersOverBareExpress}× bare Express`,
      `${fixed(nodeHttp.cpuUsPerRequest, 0)} → ${fixed(bareExpress.cpuUsPerRequest, 0)} → ${fixed(users.cpuUsPerRequest, 0)} (${fixed(ratio, 2)}×; medians of ${r.settings.rounds} interleaved rounds${r.settings.pinned ? ', server and load generator on a CPU each' : ''}, ranges ${[nodeHttp, bareExpress, users].map(spread).join(', ')})`,
      verdict(ratio <= TARGETS.usersOverBareExpress),
    ],
    [
      'the runtime layer by layer: CPU µs per request each adds to bare Express',
      'figure',
      [...r.read.layers, { ...users, name: "the users service's own route, problems and server" }]
        .map((layer, i, all) => {
          const previous = i === 0 ? bareExpress : all[i - 1]!;
          const added = layer.cpuUsPerRequest - previous.cpuUsPerRequest;
          return `${layer.name} ${added >= 0 ? '+' : '−'}${fixed(Math.abs(added), 0)}`;
        })
        .join('; '),
      '',
    ],
    [
      'GET /users/:id on users under other heap settings (CPU µs per request, p99, RSS after)',
      'figure',
      r.read.heapSettings
        .map(
          (h) =>
            `${h.label}: ${fixed(h.cpuUsPerRequest, 0)} µs, p99 ${fixed(h.p99Ms, 0)} ms, ${fixed(h.rssMiB, 0)} MiB`,
        )
        .join('; '),
      '',
    ],
    [
      'GET /users/:id throughput (req/s)',
      'figure',
      `${fixed(nodeHttp.requestsPerSecond, 0)} → ${fixed(bareExpress.requestsPerSecond, 0)} → ${fixed(users.requestsPerSecond, 0)}`,
      '',
    ],
    ...(r.orderAnchor === undefined
      ? []
      : [
          [
            `CPU per new order at ${r.orderAnchor.ratePerSecond}/s: kit → its bare anchor (${ANCHOR_PATH.join(' + ')}, medians of ${r.settings.rounds} interleaved rounds)`,
            `≤ ${TARGETS.orderOverAnchor}× the anchor and ≤ ${TARGETS.cpuMsPerOrder} ms`,
            `${perProcess(r.orderAnchor.kit)} → ${perProcess(r.orderAnchor.bare)}: ${fixed(total(r.orderAnchor.kit) / total(r.orderAnchor.bare), 2)}×`,
            verdict(
              total(r.orderAnchor.kit) <= TARGETS.orderOverAnchor * total(r.orderAnchor.bare) &&
                total(r.orderAnchor.kit) <= TARGETS.cpuMsPerOrder,
            ),
          ] as Row,
        ]),
    [
      `CPU per new order (${ORDER_PATH.join(' + ')}) at ${light.ratePerSecond}/s`,
      'figure',
      cpuOf(light) +
        (light === capped
          ? ''
          : ` (${light.achievedPerSecond}/s, ${light.failed} failed, p99 ${fixed(light.p99Ms)} ms)`),
      '',
    ],
    ...(light === capped
      ? []
      : [[`CPU per new order at ${capped.ratePerSecond}/s`, 'figure', cpuOf(capped), ''] as Row]),
    [
      `POST /orders paced ${capped.ratePerSecond}/s (p50 / p99)`,
      'figure',
      `${fixed(capped.p50Ms)} / ${fixed(capped.p99Ms)} ms, ${fixed(capped.achievedPerSecond, 0)}/s, ${capped.failed} failed`,
      '',
    ],
    [
      `POST /orders: highest paced rate with p99 ≤ ${r.knee.p99LimitMs} ms and none failed`,
      `≥ ${TARGETS.kneeRate}/s`,
      `${r.knee.rate === null ? `below ${r.knee.steps[0]?.rate ?? '?'}` : r.knee.rate}/s (steps: ${r.knee.steps.map((s) => `${s.rate}/s p99 ${fixed(s.p99Ms)} ms`).join(', ')})`,
      verdict(r.knee.rate !== null && r.knee.rate >= TARGETS.kneeRate),
    ],
    [
      `whole shop at ${String(r.shop.rate)} orders/s (POST p99, lag p99)`,
      `${String(r.shop.rate)}/s, p99 ≤ ${TARGETS.shopP99Ms} ms, lag p99 ≤ ${TARGETS.lagP99Ms} ms`,
      `${fixed(shopRate, 0)}/s, ${fixed(shopP99)} ms, lag ${fixed(lagP99)} ms`,
      verdict(shopRate >= 0.98 * Number(r.shop.rate) && shopP99 <= TARGETS.shopP99Ms && lagP99 <= TARGETS.lagP99Ms),
    ],
    [
      `RSS after load (MiB), NODE_OPTIONS=${capped.nodeOptions === '' ? '(none)' : capped.nodeOptions}`,
      `≤ ${TARGETS.rssMiB} MiB each`,
      Object.entries(capped.rssMiB)
        .map(([name, mib]) => `${name} ${fixed(mib, 0)}`)
        .join(', '),
      verdict(maxRss <= TARGETS.rssMiB),
    ],
    ...(uncapped === undefined
      ? []
      : [
          [
            `p99 at ${uncapped.ratePerSecond}/s with NODE_OPTIONS=${uncapped.nodeOptions === '' ? "(none: V8's defaults)" : uncapped.nodeOptions} instead (RSS)`,
            'figure',
            `${fixed(uncapped.p99Ms)} ms against ${fixed(capped.p99Ms)} ms (${Object.entries(uncapped.rssMiB)
              .map(([name, mib]) => `${name} ${fixed(mib, 0)}`)
              .join(', ')} MiB)`,
            '',
          ] as [string, string, string, string],
        ]),
    [
      'idle CPU (% of a core)',
      `≤ ${TARGETS.idlePercent} % each`,
      Object.entries(r.idleCpuPercent)
        .map(([name, pct]) => `${name} ${fixed(pct, 2)}`)
        .join(', '),
      verdict(maxIdle <= TARGETS.idlePercent),
    ],
  ];
  const header = `${r.machine.cpus} × ${r.machine.model}, Node ${r.machine.node}, ${r.machine.date}; ${r.settings.seconds} s per run; 1-minute load average ${r.machine.loadAverage} near the end, the bench's own processes included`;
  return [
    header,
    '',
    '| figure | target | measured | |',
    '|---|---|---|---|',
    ...rows
      .filter(([figure, target]) => !brief || target !== 'figure' || figure.startsWith('the runtime layer by layer'))
      .map((cells) => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`),
  ].join('\n');
}
