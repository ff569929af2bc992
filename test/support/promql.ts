/**
 * The metrics a PromQL query reads, parsed with Prometheus's own grammar (@prometheus-io/lezer-promql,
 * the parser of Prometheus's web UI), and the metric names a `/metrics` page exports.
 */
import { parser } from '@prometheus-io/lezer-promql';

/** One vector selector of a query: the metric name and its `label="value"` matchers. */
export interface Selector {
  readonly metric: string;
  readonly equals: Readonly<Record<string, string>>;
}

/** Grafana's built-in interval variables, replaced by a duration so the query parses. */
const GRAFANA_DURATIONS = /\$(__rate_interval|__interval|__range)\b|\$\{(__rate_interval|__interval|__range)\}/g;

/** The selectors of `query`; throws, naming the position, where the query is not valid PromQL. */
export function selectorsOf(query: string): Selector[] {
  const text = query.replace(GRAFANA_DURATIONS, '5m');
  const tree = parser.parse(text);
  const selectors: Selector[] = [];
  const errors: number[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) errors.push(node.from);
      if (node.name !== 'VectorSelector') return;
      const name = node.node.getChild('Identifier');
      if (name === null) throw new Error(`a selector without a metric name in: ${query}`);
      const equals: Record<string, string> = {};
      for (const matcher of node.node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []) {
        const label = matcher.getChild('LabelName');
        const op = matcher.getChild('MatchOp');
        const value = matcher.getChild('StringLiteral');
        if (label && op && value && text.slice(op.from, op.to) === '=') {
          equals[text.slice(label.from, label.to)] = JSON.parse(text.slice(value.from, value.to)) as string;
        }
      }
      selectors.push({ metric: text.slice(name.from, name.to), equals });
    },
  });
  if (errors.length > 0) throw new Error(`not valid PromQL at character ${errors[0]}: ${query}`);
  return selectors;
}

/**
 * The series names a Prometheus text exposition makes queryable: each family from its `# TYPE`
 * line (a histogram as `_bucket`, `_sum` and `_count`, a summary as itself, `_sum` and `_count`),
 * and every sample's name.
 */
export function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      const [, family, kind] = type as unknown as [string, string, string];
      const suffixes =
        kind === 'histogram' ? ['_bucket', '_sum', '_count'] : kind === 'summary' ? ['', '_sum', '_count'] : [''];
      for (const suffix of suffixes) names.add(`${family}${suffix}`);
    } else if (line !== '' && !line.startsWith('#')) {
      names.add(/^[^{\s]+/.exec(line)![0]);
    }
  }
  return names;
}

/** One sample line of an exposition: its name and labels. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export function samplesOf(exposition: string): Sample[] {
  return exposition
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const name = /^[^{\s]+/.exec(line)![0];
      const body = line.startsWith('{', name.length) ? line.slice(name.length + 1, line.lastIndexOf('}')) : '';
      const labels = Object.fromEntries(
        [...body.matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [
          key!,
          JSON.parse(`"${value}"`),
        ]),
      );
      return { name, labels };
    });
}

/**
 * What a service's `/metrics` does not give a selector: the metric is not exported at all, or it
 * has series but none with the selector's `label="value"` matchers (labels Prometheus adds, such
 * as `namespace`, are left out). A metric exported without series yet (a counter of faults) passes
 * on its `# TYPE` line.
 */
export function unmet(
  selector: Selector,
  exposition: string,
  addedByPrometheus: readonly string[],
): string | undefined {
  if (!exportedNames(exposition).has(selector.metric)) return 'not exported';
  const series = samplesOf(exposition).filter((s) => s.name === selector.metric);
  const wanted = Object.entries(selector.equals).filter(([label]) => !addedByPrometheus.includes(label));
  if (series.length === 0 || series.some((s) => wanted.every(([label, value]) => s.labels[label] === value))) {
    return undefined;
  }
  return `no series with ${wanted.map(([label, value]) => `${label}="${value}"`).join(',')}`;
}
