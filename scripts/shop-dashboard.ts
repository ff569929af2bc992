/**
 * The shop's Grafana dashboard, generated from the catalog: orders per second and order latency,
 * requests, errors and latency per route of every service, the outbox of every publisher (depth,
 * publish lag, failures, events published) and every consumer (lag, pending, processed, failed,
 * redelivered, dead letters), and the errors callers got from the mesh (Istio's standard
 * `istio_requests_total`). The queries use the metrics the services export (services/runtime/src/
 * metrics.ts, services/runtime/src/events/metrics.ts, services/orders/src/outbox-relay.ts), by
 * their `service` label. `npm run dashboard` writes mesh/grafana/shop.json; scripts/addons.sh
 * installs it into the Grafana addon (scripts/grafana-config.ts); test/shop-dashboard.test.ts
 * fails when the file is stale, and test/dashboard-metrics.test.ts when a service does not export
 * a metric the dashboard queries.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalog, type Catalog, type ServiceSpec } from '@mesh-kit/catalog';

export const DASHBOARD_FILE = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'mesh/grafana/shop.json');
/** The service whose POST route places orders, and that route (its requests are the orders). */
const ORDER_SERVICE = 'orders';

interface Target {
  readonly refId: string;
  readonly expr: string;
  readonly legendFormat: string;
  readonly datasource: typeof DATASOURCE;
}

export interface Panel {
  readonly id: number;
  readonly type: 'row' | 'timeseries' | 'stat';
  readonly title: string;
  readonly gridPos: { readonly h: number; readonly w: number; readonly x: number; readonly y: number };
  readonly description?: string;
  readonly datasource?: typeof DATASOURCE;
  readonly targets?: readonly Target[];
  readonly fieldConfig?: {
    readonly defaults: { readonly unit: string; readonly min?: number };
    readonly overrides: [];
  };
  readonly options?: Record<string, unknown>;
  readonly collapsed?: boolean;
  readonly panels?: readonly [];
}

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly Panel[];
  readonly [key: string]: unknown;
}

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;
const RATE = '[$__rate_interval]';

interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  /** Each query with its legend. */
  readonly queries: readonly (readonly [expr: string, legend: string])[];
  /** @default 'timeseries' */
  readonly type?: 'timeseries' | 'stat';
}

/** The label matchers of one service's own metrics in the shop's namespace. */
const of = (service: string, extra = ''): string => `{namespace="$namespace",service="${service}"${extra}}`;

const quantiles = (metric: string, selector: string, by: string): [string, string][] =>
  (
    [
      ['0.5', 'p50'],
      ['0.95', 'p95'],
      ['0.99', 'p99'],
    ] as const
  ).map(([q, name]) => [
    `histogram_quantile(${q}, sum by (${['le', ...(by ? [by] : [])].join(', ')}) (rate(${metric}_bucket${selector}${RATE})))`,
    by ? `${name} {{${by}}}` : name,
  ]);

function ordersPanels(service: ServiceSpec): PanelSpec[] {
  const route = service.routes.find((r) => r.method === 'POST');
  if (route === undefined) throw new Error(`catalog: ${service.name} has no POST route to place orders`);
  const place = of(service.name, `,method="POST",route="${route.path}"`);
  return [
    {
      title: `Orders: POST ${route.path} per second, by status`,
      description: `Requests to ${service.name}'s POST ${route.path} by status code: 201 is an order placed (or replayed), 4xx refused, 5xx failed.`,
      unit: 'reqps',
      queries: [
        [`sum by (status_code) (rate(http_server_request_duration_seconds_count${place}${RATE}))`, '{{status_code}}'],
      ],
    },
    {
      title: `Order latency: POST ${route.path}`,
      description: `How long ${service.name} takes to answer POST ${route.path}, measured in the service (the sidecar adds its own hop; the route's timeout is ${route.timeoutMs} ms).`,
      unit: 's',
      queries: quantiles('http_server_request_duration_seconds', place, ''),
    },
  ];
}

function routePanels(service: ServiceSpec): PanelSpec[] {
  const routes = service.routes.map((r) => `${r.method} ${r.path}`).join(', ') || 'none declared';
  const own = of(service.name);
  return [
    {
      title: `${service.name}: requests per second by route`,
      description: `Requests ${service.name} served, by route template. The catalog's routes: ${routes}.`,
      unit: 'reqps',
      queries: [
        [
          `sum by (method, route) (rate(http_server_request_duration_seconds_count${own}${RATE}))`,
          '{{method}} {{route}}',
        ],
      ],
    },
    {
      title: `${service.name}: errors per second by route`,
      description: `Answers of ${service.name} with a 4xx or 5xx status, by route and status (4xx: refused input, 5xx: failed).`,
      unit: 'reqps',
      queries: [
        [
          `sum by (method, route, status_code) (rate(http_server_request_duration_seconds_count${of(service.name, ',status_code=~"4..|5.."')}${RATE}))`,
          '{{status_code}} {{method}} {{route}}',
        ],
      ],
    },
    {
      title: `${service.name}: p99 latency by route`,
      description: `The 99th percentile of ${service.name}'s answer time per route, measured in the service.`,
      unit: 's',
      queries: [
        [
          `histogram_quantile(0.99, sum by (le, method, route) (rate(http_server_request_duration_seconds_bucket${own}${RATE})))`,
          '{{method}} {{route}}',
        ],
      ],
    },
  ];
}

function outboxPanels(service: ServiceSpec): PanelSpec[] {
  const own = of(service.name);
  const subjects = service.publishes.join(', ');
  return [
    {
      title: `${service.name}: outbox depth`,
      description: `Outbox rows not yet published to JetStream (${subjects}). Every replica reads the same table, so the panel shows the highest reading.`,
      unit: 'short',
      queries: [[`max(outbox_backlog${own})`, 'unpublished rows']],
    },
    {
      title: `${service.name}: publish lag`,
      description:
        'Age of the oldest unpublished outbox row: how far publishing is behind the orders (0 when none waits).',
      unit: 's',
      queries: [[`max(outbox_oldest_pending_seconds${own})`, 'oldest unpublished row']],
    },
    {
      title: `${service.name}: events published and publish failures per second`,
      description:
        'Events JetStream acknowledged, by subject and outcome ("duplicate": dropped by the duplicate window), and outbox rows a pass could not publish (they stay for the next pass).',
      unit: 'ops',
      queries: [
        [`sum by (subject, outcome) (rate(events_published_total${own}${RATE}))`, '{{subject}} {{outcome}}'],
        [`sum(rate(outbox_publish_failures_total${own}${RATE}))`, 'publish failures'],
      ],
    },
  ];
}

function consumerPanels(service: ServiceSpec): PanelSpec[] {
  const own = of(service.name);
  const subjects = service.consumes.join(', ');
  return [
    {
      title: `${service.name}: consumer lag`,
      description: `From an event's occurredAt to the end of its handling by ${service.name} (${subjects}).`,
      unit: 's',
      queries: quantiles('events_lag_seconds', own, 'consumer'),
    },
    {
      title: `${service.name}: pending messages`,
      description: `Messages ${service.name}'s durable consumer has not yet acknowledged (not yet delivered plus awaiting ack). Replicas share the durable, so the panel shows the highest reading.`,
      unit: 'short',
      queries: [[`max by (consumer) (events_consumer_pending${own})`, '{{consumer}}']],
    },
    {
      title: `${service.name}: processed, failed and redelivered per second`,
      description:
        'Deliveries handled and acknowledged, deliveries whose payload was invalid or whose handler threw (JetStream redelivers them), and deliveries JetStream had delivered before.',
      unit: 'ops',
      queries: [
        [`sum by (consumer) (rate(events_processed_total${own}${RATE}))`, 'processed {{consumer}}'],
        [`sum by (consumer) (rate(events_failed_total${own}${RATE}))`, 'failed {{consumer}}'],
        [`sum by (consumer) (rate(events_redelivered_total${own}${RATE}))`, 'redelivered {{consumer}}'],
      ],
    },
    {
      title: `${service.name}: dead letters in the time range`,
      description:
        "Messages given up on after the consumer's max deliveries and parked in the dead-letter stream, where an operator can see them.",
      unit: 'short',
      type: 'stat',
      queries: [[`sum(increase(events_parked_total${own}[$__range]))`, 'parked']],
    },
  ];
}

const meshPanels = (source: Catalog): PanelSpec[] => [
  {
    title: 'Errors callers got from the mesh, by response flags',
    description:
      "5xx and 429 answers as the calling sidecars and the ingress gateway saw them (Istio's istio_requests_total, reporter=source): they include the mesh's own answers that no service counted, e.g. a tripped breaker (UO), no healthy endpoint (UH), a rate limit (RL).",
    unit: 'reqps',
    queries: [
      [
        `sum by (source_workload, destination_service_name, response_code, response_flags) (rate(istio_requests_total{reporter="source",destination_service_namespace="$namespace",response_code=~"5..|429"}${RATE}))`,
        '{{source_workload}} → {{destination_service_name}} {{response_code}} {{response_flags}}',
      ],
    ],
  },
  {
    title: 'Requests into the shop through the ingress gateway, by service and code',
    description: `Everything the ingress gateway (${source.ingress.namespace}) forwarded to the shop, by destination service and response code.`,
    unit: 'reqps',
    queries: [
      [
        `sum by (destination_service_name, response_code) (rate(istio_requests_total{reporter="source",source_workload_namespace="${source.ingress.namespace}",destination_service_namespace="$namespace"}${RATE}))`,
        '{{destination_service_name}} {{response_code}}',
      ],
    ],
  },
];

/** Lays out rows of panels, three to a line (two when a row has two or four). */
function layout(rows: readonly (readonly [title: string, panels: readonly PanelSpec[]])[]): Panel[] {
  const panels: Panel[] = [];
  let y = 0;
  let id = 1;
  for (const [title, specs] of rows) {
    panels.push({ id: id++, type: 'row', title, collapsed: false, panels: [], gridPos: { h: 1, w: 24, x: 0, y: y++ } });
    const perLine = specs.length % 3 === 0 || specs.length === 1 ? Math.min(3, specs.length) : 2;
    const w = 24 / perLine;
    specs.forEach((spec, i) => {
      const gridPos = { h: 8, w, x: (i % perLine) * w, y: y + Math.floor(i / perLine) * 8 };
      const type = spec.type ?? 'timeseries';
      panels.push({
        id: id++,
        type,
        title: spec.title,
        description: spec.description,
        datasource: DATASOURCE,
        gridPos,
        fieldConfig: { defaults: { unit: spec.unit, min: 0 }, overrides: [] },
        options:
          type === 'stat'
            ? {
                reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
                colorMode: 'value',
                graphMode: 'none',
              }
            : {
                legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
                tooltip: { mode: 'multi', sort: 'none' },
              },
        targets: spec.queries.map(([expr, legendFormat], n) => ({
          refId: String.fromCharCode(65 + n),
          expr,
          legendFormat,
          datasource: DATASOURCE,
        })),
      });
    });
    y += Math.ceil(specs.length / perLine) * 8;
  }
  return panels;
}

export function shopDashboard(source: Catalog = catalog): Dashboard {
  const served = source.services.filter((s) => s.callsGateway !== true);
  const orders = source.services.find((s) => s.name === ORDER_SERVICE);
  if (orders === undefined) throw new Error(`catalog: no service named '${ORDER_SERVICE}'`);
  const rows: [string, PanelSpec[]][] = [
    ['Orders', ordersPanels(orders)],
    ...source.services
      .filter((s) => s.publishes.length > 0)
      .map((s): [string, PanelSpec[]] => [`Outbox: ${s.name} publishes ${s.publishes.join(', ')}`, outboxPanels(s)]),
    ...source.services
      .filter((s) => s.consumes.length > 0)
      .map((s): [string, PanelSpec[]] => [`Consumer: ${s.name} consumes ${s.consumes.join(', ')}`, consumerPanels(s)]),
    ...served.map((s): [string, PanelSpec[]] => [`Service: ${s.name}`, routePanels(s)]),
    ['The mesh (Istio sidecars and the ingress gateway)', meshPanels(source)],
  ];
  return {
    uid: 'mesh-kit-shop',
    title: 'mesh-kit: the shop',
    description:
      'Generated from the catalog by `npm run dashboard` (scripts/shop-dashboard.ts); edits here are overwritten.',
    tags: ['mesh-kit', 'shop'],
    editable: false,
    graphTooltip: 1,
    refresh: '15s',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-30m', to: 'now' },
    timezone: 'utc',
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus' },
        {
          name: 'namespace',
          label: 'Namespace',
          type: 'textbox',
          query: source.namespace,
          current: { text: source.namespace, value: source.namespace },
        },
      ],
    },
    annotations: { list: [] },
    links: [],
    panels: layout(rows),
  };
}

export const renderDashboard = (source: Catalog = catalog): string =>
  `${JSON.stringify(shopDashboard(source), null, 2)}\n`;

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(DASHBOARD_FILE, renderDashboard());
  console.log(`dashboard: wrote ${DASHBOARD_FILE}`);
}
