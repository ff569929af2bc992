import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  faultsUnavailable,
  startFaultEnvironment,
  stopFaultEnvironment,
  type FaultEnvironment,
} from './support/environment.js';
import { FAULTS } from './support/matrix.js';
import { runFault, type FaultResult } from './support/run-fault.js';
import { formatTable } from './support/table.js';

// The matrix stops and starts PostgreSQL and NATS, so it runs its own (see support/environment.ts).
const unavailable = faultsUnavailable();
if (unavailable !== undefined) console.warn(`test/faults skipped: ${unavailable}`);

let env: FaultEnvironment | undefined;
const results: FaultResult[] = [];

describe.skipIf(unavailable !== undefined)('fault matrix: the shop under load survives each fault', () => {
  beforeAll(async () => {
    env = await startFaultEnvironment();
  }, 90_000);

  afterAll(async () => {
    if (results.length > 0) console.log(`fault matrix:\n${formatTable(results)}`);
    await stopFaultEnvironment(env);
  }, 60_000);

  it.each(FAULTS.map((f) => [f.title, f] as const))(
    '%s: no process dies, no order lost or duplicated, failures only during the fault, recovered within 10 s',
    async (_title, fault) => {
      const result = await runFault(env!, fault);
      results.push(result);
      expect(result.violations).toEqual([]);
    },
    120_000,
  );
});
