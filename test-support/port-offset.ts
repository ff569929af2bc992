import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalog } from '../infra/cdk8s/src/catalog.js';

/** A port offset held for one local shop; `release()` gives it back. */
export interface PortOffset {
  readonly offset: number;
  release(): void;
}

/** A shop at offset `o` listens on each catalog port plus `o`. */
const CATALOG_PORTS = catalog.services.map((s) => s.port);
/** Offsets from 10 000 in steps of 10, every port below the ephemeral range (32 768+). */
const FIRST = 10_000;
const SLOTS = Math.floor((32_768 - Math.max(...CATALOG_PORTS) - FIRST) / 10);
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
 * An offset for a whole local shop (catalog ports 3000–3009 apart by one each, so offsets in steps
 * of 10 never overlap), held against every other test file of the run (vitest runs
 * them in parallel processes): one lock file per offset, created exclusively, and every catalog
 * port at that offset bindable when it is taken. Picking at random without holding anything let
 * two files start shops on the same ports.
 */
export async function reservePortOffset(): Promise<PortOffset> {
  mkdirSync(LOCKS, { recursive: true });
  for (let attempt = 0; attempt < 100; attempt++) {
    const offset = FIRST + Math.floor(Math.random() * SLOTS) * 10;
    if (!lock(offset)) continue;
    const free = await Promise.all(CATALOG_PORTS.map((port) => bindable(port + offset)));
    if (free.every(Boolean)) {
      return { offset, release: () => rmSync(join(LOCKS, String(offset)), { force: true }) };
    }
    rmSync(join(LOCKS, String(offset)), { force: true });
  }
  throw new Error(`no free port offset for a shop after 100 tries (locks in ${LOCKS})`);
}
