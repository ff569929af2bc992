import type { Analysis } from './analyze.js';
import { tryBudget, type HopPolicy, type RouteNode } from './model.js';
import { rules } from './rules/index.js';
import { describeNeed, tryNeed, tryOutlastsCallees } from './rules/try-outlasts-callees.js';

const ms = (value: number | undefined): string =>
  value === undefined ? 'none' : value >= 1000 ? `${value / 1000}s` : `${value}ms`;
const retries5xx = (p: HopPolicy): boolean =>
  p.attempts > 0 && p.retryOn.some((c) => c === '5xx' || c === 'gateway-error');

function hop(node: RouteNode): string {
  const p = node.policy;
  const effective =
    p.perTryTimeoutMs === undefined
      ? p.timeoutMs
      : Math.min(p.timeoutMs ?? Infinity, (1 + p.attempts) * p.perTryTimeoutMs);
  return `${node.key}  timeout ${ms(p.timeoutMs)} (effective ${ms(effective)}), attempts ${1 + p.attempts}, perTry ${ms(p.perTryTimeoutMs)}${retries5xx(p) ? ', retries 5xx' : ''}`;
}

/** The human-readable report `npm run analyze` prints. */
export function formatReport(a: Analysis): string {
  const lines: string[] = ['Call paths from the gateway (policy per hop, applied by the calling proxy):'];
  for (const path of a.paths) {
    lines.push(`  ${path.hops.map((h) => h.key.replace(/^(\S+) (\S+) /, '$2 $1 ')).join(' → ')}`);
    path.hops.forEach((h, i) => {
      if (i === 1 && path.hops[0]!.service === 'gateway') return; // carried by the gateway route
      lines.push(`    ${hop(h)}`);
    });
    lines.push(
      `    worst-case attempts reaching ${path.hops[path.hops.length - 1]!.service}: ${path.amplification}${a.maxAmplification === undefined ? '' : ` (bound ${a.maxAmplification})`}`,
    );
  }
  lines.push('', `One try against what it waits for (${tryOutlastsCallees.name}):`);
  const byKey = new Map(a.routes.map((r) => [r.key, r]));
  for (const r of a.routes.filter((x) => x.service !== 'gateway')) {
    const need = tryNeed(r, byKey);
    if (need === undefined) continue;
    lines.push(`  ${r.key}: one try ${ms(tryBudget(r.policy))}, needs ${describeNeed(need)}`);
  }
  const retrying = a.routes.filter((r) => retries5xx(r.policy)).map((r) => r.key);
  lines.push('', `Routes retried on 5xx (idempotent only): ${retrying.join('; ') || 'none'}`);
  const t = a.totals;
  lines.push(
    '',
    `Namespace requests (${t.pods} pods, sidecars included): CPU ${t.cpuMilli}m, memory ${t.memoryMi}Mi` +
      ` (sidecars ${t.sidecarCpuMilli}m / ${t.sidecarMemoryMi}Mi)` +
      (a.budget === undefined ? '' : `; budget ${a.budget.cpuMilli}m / ${a.budget.memoryMi}Mi`),
  );
  const m = a.totalsAtMax;
  if (m.pods !== t.pods) {
    lines.push(
      `At the autoscalers' maximum (${m.pods} pods): CPU ${m.cpuMilli}m, memory ${m.memoryMi}Mi` +
        (a.budget === undefined
          ? ''
          : ` (${Math.round((m.cpuMilli / a.budget.cpuMilli) * 100)} % / ${Math.round((m.memoryMi / a.budget.memoryMi) * 100)} % of the budget; the budget holds the minimum)`),
    );
  }
  lines.push('');
  lines.push(`Named rules: ${rules.map((r) => r.name).join(', ')}`);
  if (a.findings.length === 0) lines.push('analyze: no findings');
  else lines.push(`analyze: ${a.findings.length} finding(s):`, ...a.findings.map((f) => `  ✗ ${f}`));
  return lines.join('\n');
}
