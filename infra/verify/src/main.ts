import { parseArgs } from 'node:util';
import { checks } from './checks/index.js';
import { Cluster } from './cluster.js';
import { VerifyContext } from './context.js';
import { catalog } from './expectations.js';
import { runChecks, selectChecks } from './runner.js';
import { renderTable } from './table.js';

const usage = `usage: npm run verify -- [--only ids] [--namespace name] [--list]
  Proves the mesh promises on the cluster of the current kube context.
  --list       print the checks and exit
  --only       comma-separated check ids: ${checks.map((c) => c.id).join(', ')}
  --namespace  the shop's namespace (default ${catalog.namespace})`;

async function main(): Promise<number> {
  let values: { only?: string; namespace?: string; help?: boolean; list?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        only: { type: 'string' },
        namespace: { type: 'string' },
        list: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`verify: ${(error as Error).message}\n${usage}\n`);
    return 64;
  }
  if (values.help === true) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (values.list === true) {
    for (const check of checks) process.stdout.write(`${check.id.padEnd(14)} ${check.title}\n`);
    return 0;
  }
  let selected;
  let cluster: Cluster;
  try {
    selected = selectChecks(checks, values.only);
    cluster = Cluster.fromDefault();
  } catch (error) {
    process.stderr.write(`verify: ${(error as Error).message}\n`);
    return 64;
  }
  const namespace = values.namespace ?? catalog.namespace;
  try {
    await cluster.preflight(namespace);
  } catch (error) {
    process.stderr.write(`verify: ${(error as Error).message}\n`);
    return 2;
  }
  const log = (message: string): void => void process.stderr.write(`  … ${message}\n`);
  process.stderr.write(`verify: context ${cluster.context}, namespace ${namespace}, ${selected.length} checks\n`);
  const ctx = new VerifyContext(cluster, namespace, log);
  try {
    const reports = await runChecks(selected, ctx, (check) => process.stderr.write(`▶ ${check.title}\n`));
    process.stdout.write(`\n${renderTable(reports)}\n`);
    return reports.every((r) => r.status !== 'fail') ? 0 : 1;
  } finally {
    await ctx.close();
  }
}

// Port-forward and exec websockets may linger; the table is printed, so end here.
process.exit(await main());
