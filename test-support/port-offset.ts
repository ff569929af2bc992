import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalog } from '@mesh-kit/catalog';

/** A port offset held for one local shop; `release()` gives it back. */
export interface PortOffset {
  readonly offset: number;
  /** Where this shop's local gateway listens: one above its highest catalog port. */
  readonly gatewayPort: number;
  release(): void;
}

/** A shop at offset `o` listens on each catalog port plus `o`, and its gateway one above the highest. */
const CATALOG_PORTS = catalog.services.map((s) => s.port);
const LOWEST = Math.min(...CATALOG_PORTS);
const GATEWAY_PORT = Math.max(...CATALOG_PORTS) + 1;
/** Blocks of whole tens that hold every port of one shop, so offsets in these steps never overlap. */
const STEP = Math.ceil((GATEWAY_PORT - LOWEST + 1) / 10) * 10;
/** Offsets from 10 000, every port below the ephemeral range (32 768+). */
const FIRST = 10_000;
const SLOTS = Math.floor((32_768 - GATEWAY_PORT - FIRST) / STEP);
const LOCKS = join(tmpdir(), 'mesh-kit-test-port-offsets');

function bindable(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Takes the lock file of `offset`, or takes it over from a process that died holding it. */
function lock(offset: number): boolean {
  const file = join(LOCKS, String(offset));
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    const holder = Number(readFileSync(file, 'utf8'));
    if (Number.isInteger(holder) && holder > 0 && alive(holder)) return false;
    rmSync(file, { force: true });
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * An offset for a whole local shop (its catalog ports and its gateway, in blocks that never
 * overlap), held against every other test file of the run (vitest runs
 * them in parallel processes): one lock file per offset, created exclusively, and every catalog
 * port at that offset bindable when it is taken. Picking at random without holding anything let
 * two files start shops on the same ports.
 */
export async function reservePortOffset(): Promise<PortOffset> {
  mkdirSync(LOCKS, { recursive: true });
  for (let attempt = 0; attempt < 100; attempt++) {
    const offset = FIRST + Math.floor(Math.random() * SLOTS) * STEP;
    if (!lock(offset)) continue;
    const free = await Promise.all([...CATALOG_PORTS, GATEWAY_PORT].map((port) => bindable(port + offset)));
    if (free.every(Boolean)) {
      return {
        offset,
        gatewayPort: GATEWAY_PORT + offset,
        release: () => rmSync(join(LOCKS, String(offset)), { force: true }),
      };
    }
    rmSync(join(LOCKS, String(offset)), { force: true });
  }
  throw new Error(`no free port offset for a shop after 100 tries (locks in ${LOCKS})`);
}
