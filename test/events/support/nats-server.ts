import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { answers } from '../../../test-support/backing-services.js';

/** The nats-server binary: NATS_SERVER_BIN, or the Debian package's path. Undefined when absent. */
export const natsServerBinary: string | undefined = [process.env.NATS_SERVER_BIN, '/usr/sbin/nats-server'].find(
  (path): path is string => path !== undefined && existsSync(path),
);

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * A JetStream server of the test's own (own port, own store directory), so a test may stop,
 * pause or restart it without touching the shared one.
 */
export interface OwnNatsServer {
  readonly url: string;
  /** Ends the server with `signal` (SIGTERM lets it flush its store). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and store. */
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT: the sockets stay open but nothing answers. */
  pause(): void;
  resume(): void;
  /** Stops it and removes its store. */
  destroy(): Promise<void>;
}

export async function startNatsServer(): Promise<OwnNatsServer> {
  if (natsServerBinary === undefined) throw new Error('nats-server not found: set NATS_SERVER_BIN');
  const binary = natsServerBinary;
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'mesh-kit-nats-'));
  const url = `nats://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const log = openSync(join(storeDir, 'server.log'), 'a');
    child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
      stdio: ['ignore', log, log],
    });
    const until = Date.now() + 10_000;
    while (!(await answers(url))) {
      if (Date.now() > until || child.exitCode !== null) throw new Error(`nats-server did not start on ${url}`);
      await sleep(20);
    }
  };
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const running = child;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGCONT');
    running.kill(signal);
    await exited;
  };
  await start();
  return {
    url,
    stop,
    start,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    async destroy() {
      await stop('SIGKILL');
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
