/**
 * `npm run faults`: the fault matrix of test/faults against the shop as local processes (the
 * services from dist/, wired like `npm run stack`). It breaks PostgreSQL and NATS, so it starts
 * a PostgreSQL cluster and a nats-server of its own and never touches the shared ones. Prints
 * one row per fault; exits 1 when a fault was not survived.
 *
 * FAULTS=pg-stop,nats-stop runs only those; FAULTS_ORDERS_PER_SECOND sets the load (default 20).
 */
import { z } from 'zod';
import {
  faultsUnavailable,
  startFaultEnvironment,
  stopFaultEnvironment,
  type FaultEnvironment,
} from '../test/faults/support/environment.js';
import { selectFaults } from '../test/faults/support/matrix.js';
import { DEFAULT_RUN, runFault, type FaultResult } from '../test/faults/support/run-fault.js';
import { formatTable, formatViolations } from '../test/faults/support/table.js';

const faultsEnv = z.object({
  FAULTS: z
    .string()
    .regex(/^[a-z0-9-]+(,[a-z0-9-]+)*$/, 'a comma-separated list of fault ids')
    .optional(),
  FAULTS_ORDERS_PER_SECOND: z.coerce.number().positive().max(500).default(20),
});

const parsed = faultsEnv.safeParse(process.env);
if (!parsed.success) {
  const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  process.stderr.write(`faults: invalid configuration: ${detail}\n`);
  process.exit(78);
}
const unavailable = faultsUnavailable();
if (unavailable !== undefined) {
  process.stderr.write(`faults: cannot run here: ${unavailable}\n`);
  process.exit(1);
}

let env: FaultEnvironment | undefined;
const results: FaultResult[] = [];
try {
  const faults = selectFaults(parsed.data.FAULTS?.split(',') ?? []);
  process.stderr.write('faults: starting PostgreSQL, NATS and the shop\n');
  env = await startFaultEnvironment();
  process.stderr.write(`faults: service logs in ${env.shop.logDir}\n`);
  const options = {
    ...DEFAULT_RUN,
    load: { ...DEFAULT_RUN.load, ordersPerSecond: parsed.data.FAULTS_ORDERS_PER_SECOND },
  };
  for (const fault of faults) {
    process.stderr.write(`faults: ${fault.title} …\n`);
    const result = await runFault(env, fault, options);
    results.push(result);
    process.stderr.write(`faults: ${fault.title}: ${result.violations.length === 0 ? 'survived' : 'NOT survived'}\n`);
  }
} catch (error) {
  process.stderr.write(`faults: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await stopFaultEnvironment(env);
}
process.stdout.write(`${formatTable(results)}\n`);
const broken = formatViolations(results);
if (broken !== '') {
  process.stdout.write(`\nNot survived:\n${broken}\n`);
  process.exitCode = 1;
}
