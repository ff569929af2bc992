/**
 * Everything `npm run generate` renders in memory, by file: the docs' generated blocks
 * (`<!-- generated:<name> -->`, blocks.ts), the README's diagram and access table, the bench
 * tables and the Grafana dashboard. test/generated-docs.test.ts renders them all and compares
 * with the files; the Helm chart and the CRD types have drift tests of their own
 * (test/chart.test.ts, infra/cdk8s/test/imports.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalog as shopCatalog, type Catalog } from '@mesh-kit/catalog';
import { withAccessTable, renderAccessTable } from '../access-table.js';
import { BENCH_TABLE_DOCS, replaceBenchTable } from '../bench/table-block.js';
import type { BenchResults } from '../bench/results.js';
import { renderDiagram, withDiagram } from '../diagram.js';
import { renderDashboard } from '../shop-dashboard.js';
import { analyzeCatalog, renderAmplification, renderAnalyzeExcerpt } from './analyze-excerpt.js';
import { blockNames, replaceBlock } from './blocks.js';
import { renderMakeSummary, renderMakeTable } from './make-docs.js';
import { renderCircuitBreakerTable, renderRouteTable } from './route-tables.js';
import { renderRateLimitTable } from './gateway-tables.js';
import { renderReadinessTable, renderServicesTable } from './shop-tables.js';
import { renderStackDirect } from './stack-snippets.js';
import { renderAutoscalingTable, renderScaleUpPlan, renderScenarioTable } from './traffic-tables.js';

/** What the generated parts are rendered from. */
export interface GenerateInputs {
  readonly catalog: Catalog;
  readonly makefile: string;
  readonly bench: BenchResults;
}

export function readInputs(root: string, catalog: Catalog = shopCatalog): GenerateInputs {
  return {
    catalog,
    makefile: readFileSync(join(root, 'Makefile'), 'utf8'),
    bench: JSON.parse(readFileSync(join(root, 'docs/benchmarks.json'), 'utf8')) as BenchResults,
  };
}

type Render = (inputs: GenerateInputs) => string;

/** The generated blocks of each Markdown file, by block name. */
export function generatedBlocks(): Readonly<Record<string, Readonly<Record<string, Render>>>> {
  // Synthesizing and analysing takes a moment: once per inputs.
  const analyses = new WeakMap<GenerateInputs, ReturnType<typeof analyzeCatalog>>();
  const analysis = (inputs: GenerateInputs) => {
    const known = analyses.get(inputs) ?? analyzeCatalog(inputs.catalog);
    analyses.set(inputs, known);
    return known;
  };
  return {
    'README.md': { 'make-targets': (i) => renderMakeSummary(i.makefile) },
    'docs/architecture.md': {
      services: (i) => renderServicesTable(i.catalog),
      readiness: (i) => renderReadinessTable(i.catalog),
      routes: (i) => renderRouteTable(i.catalog),
      'circuit-breakers': (i) => renderCircuitBreakerTable(i.catalog),
      'analyze-excerpt': (i) => renderAnalyzeExcerpt(analysis(i)),
      'analyze-amplification': (i) => renderAmplification(analysis(i)),
    },
    'docs/operations.md': {
      'make-targets': (i) => renderMakeTable(i.makefile),
      'stack-direct': (i) => renderStackDirect(i.catalog),
    },
    'docs/security.md': { 'rate-limits': (i) => renderRateLimitTable(i.catalog) },
    'docs/try-the-mesh.md': {
      scenarios: (i) => renderScenarioTable(i.catalog),
      autoscaling: (i) => renderAutoscalingTable(i.catalog),
      'scale-up-plan': (i) => renderScaleUpPlan(i.catalog),
    },
  };
}

/** The README's diagram and access table and the bench tables: blocks with markers of their own. */
function otherMarkers(path: string, text: string, inputs: GenerateInputs): string {
  let out = text;
  if (path === 'README.md') {
    out = withAccessTable(withDiagram(out, renderDiagram(inputs.catalog)), renderAccessTable(inputs.catalog));
  }
  if ((BENCH_TABLE_DOCS as readonly string[]).includes(path)) out = replaceBenchTable(out, inputs.bench, path);
  return out;
}

/** Every generated file's content as `inputs` render it; `read` gives a file's current text. */
export function renderAll(inputs: GenerateInputs, read: (path: string) => string): Map<string, string> {
  const out = new Map<string, string>();
  const blocks = generatedBlocks();
  const paths = new Set([...Object.keys(blocks), ...BENCH_TABLE_DOCS]);
  for (const path of paths) {
    let text = read(path);
    const renderers = blocks[path] ?? {};
    for (const name of blockNames(text)) {
      if (renderers[name] === undefined) throw new Error(`${path}: no renderer for the generated block '${name}'`);
    }
    for (const [name, render] of Object.entries(renderers)) text = replaceBlock(text, name, render(inputs), path);
    out.set(path, otherMarkers(path, text, inputs));
  }
  out.set('mesh/grafana/shop.json', renderDashboard(inputs.catalog));
  return out;
}
