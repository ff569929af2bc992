/**
 * docs/architecture.md's excerpt of `npm run analyze`: the catalog synthesized in memory (with the
 * test-only JWKS fixtures, as `npm run chart` does) and analysed, then the report's lines on each
 * try against its callees and on the namespace's requests, verbatim, and its amplification figures.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdk8s';
import type { Catalog } from '@mesh-kit/catalog';
import { addShopCharts } from '../../infra/cdk8s/src/charts/shop-app.js';
import { analyze, type Analysis, type ManifestObject } from '../../infra/cdk8s/src/analyze/analyze.js';
import { formatReport } from '../../infra/cdk8s/src/analyze/report.js';
import { FIXTURE_JWKS_FILES, ROOT } from '../chart.js';

export function analyzeCatalog(source: Catalog): Analysis {
  const jwks = Object.fromEntries(
    Object.entries(FIXTURE_JWKS_FILES).map(([id, file]) => [id, readFileSync(join(ROOT, file), 'utf8')]),
  );
  const app = new App({ outdir: '/nonexistent' });
  addShopCharts(app, { catalog: source, imageRegistry: 'mesh-kit', imageTag: '0.1.0', jwks });
  return analyze(app.charts.flatMap((chart) => chart.toJson() as ManifestObject[]));
}

/** The report's try-against-callees section and its namespace totals, as `npm run analyze` prints them. */
export function renderAnalyzeExcerpt(analysis: Analysis): string {
  const lines = formatReport(analysis).split('\n');
  const tries = lines.findIndex((l) => l.startsWith('One try against what it waits for'));
  const triesEnd = lines.indexOf('', tries);
  const totals = lines.filter((l) => l.startsWith('Namespace requests') || l.startsWith("At the autoscalers' maximum"));
  return ['```', ...lines.slice(tries, triesEnd), '', ...totals, '```'].join('\n');
}

/** The worst amplification, the paths that reach it and the bound, in a sentence. */
export function renderAmplification(analysis: Analysis): string {
  const worst = Math.max(...analysis.paths.map((p) => p.amplification));
  const path = (p: Analysis['paths'][number]): string => p.hops.map((h) => h.service).join(' → ');
  const at = analysis.paths.filter((p) => p.amplification === worst).map(path);
  const bound = analysis.maxAmplification === undefined ? '' : `, the bound ${analysis.maxAmplification}`;
  return `The worst amplification (attempts that can reach the last service of a path for one request) is ${worst}, on ${[...new Set(at)].join('; ')}${bound}.`;
}
