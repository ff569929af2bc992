import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { databasesWithPrefix, dropDatabases } from '../scripts/stack/databases.js';
import { readJsonLog } from './json-log.js';
import { inject } from 'vitest';
import { reservePortOffset } from './port-offset.js';

const root = fileURLToPath(new URL('../', import.meta.url));

export interface StackProcess {
  /** Each service's URL by name, and the local gateway's as `gateway`. */
  readonly urls: Readonly<Record<string, string>>;
  /** Where the stack keeps the issuers' keys (`make token` reads them with SECRETS_DIR). */
  readonly secretsDir: string;
  readonly logDir: string;
  readonly databasePrefix: string;
  readonly portOffset: number;
  readonly child: ChildProcess;
  /** Every JSON log line of one service. */
  logs(service: string): Record<string, unknown>[];
  /** SIGTERM, then resolves with the exit code and what the stack printed on stderr. */
  stop(): Promise<{ code: number | null; stderr: string }>;
}

export interface StackOptions {
  /**
   * Start it the way a person does, through npm (`npm run stack`'s command after its build step, run
   * by `npm exec -c`, which runs it and forwards signals as `npm run` does); `stop()` then sends
   * SIGINT to npm, as Ctrl-C or an IDE's stop button does.
   * @default false: node runs scripts/stack.ts directly and `stop()` sends SIGTERM
   */
  readonly viaNpm?: boolean;
}

/** npm run stack's command without its build step (the tests run after `npm run build`). */
export function stackCommandAfterBuild(): string {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const [build, ...rest] = pkg.scripts.stack!.split(' && ');
  if (build !== 'npm run build' || rest.length === 0)
    throw new Error(`npm run stack no longer starts with its build: ${pkg.scripts.stack}`);
  return rest.join(' && ');
}

/** Runs `scripts/stack.ts` exactly as `npm run stack` does, on its own ports and databases. */
export async function startStack(env: Record<string, string> = {}, options: StackOptions = {}): Promise<StackProcess> {
  const { postgresAdminUrl, natsUrl } = inject('backing');
  const logDir = mkdtempSync(join(tmpdir(), 'mesh-kit-stack-'));
  const databasePrefix = `e2e_${randomBytes(3).toString('hex')}_`;
  const ports = await reservePortOffset();
  const portOffset = ports.offset;
  const [command, args] =
    options.viaNpm === true
      ? ['npm', ['exec', '--yes=false', '-c', stackCommandAfterBuild()]]
      : [process.execPath, ['--import', 'tsx', join(root, 'scripts/stack.ts')]];
  const child = spawn(command, args, {
    cwd: root,
    env: {
      ...process.env,
      STACK_POSTGRES_URL: postgresAdminUrl,
      NATS_URL: natsUrl,
      STACK_DB_PREFIX: databasePrefix,
      STACK_PORT_OFFSET: String(portOffset),
      STACK_LOG_DIR: logDir,
      STACK_LOG_LEVEL: 'debug',
      STACK_EVENTS_NAMESPACE: databasePrefix.replace(/_+$/, ''),
      STACK_GATEWAY_PORT: String(ports.gatewayPort),
      SECRETS_DIR: join(logDir, 'secrets'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (stdout.includes('stack ready\n')) resolve();
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      ports.release();
      reject(new Error(`stack exited (${code}) before ready:\n${stderr}`));
    });
  });
  const urls = Object.fromEntries(
    stdout
      .split('\n')
      .filter((line) => / http:\/\//.test(line))
      .map((line) => line.split(' ') as [string, string]),
  );
  return {
    urls,
    secretsDir: join(logDir, 'secrets'),
    logDir,
    databasePrefix,
    portOffset,
    child,
    logs(service) {
      return readJsonLog(join(logDir, `${service}.log`));
    },
    async stop() {
      child.kill(options.viaNpm === true ? 'SIGINT' : 'SIGTERM');
      const code = await exited;
      ports.release();
      await dropDatabases(postgresAdminUrl, await databasesWithPrefix(postgresAdminUrl, databasePrefix));
      await deleteStreams(natsUrl, databasePrefix.replace(/_+$/, ''));
      return { code, stderr };
    },
  };
}

/** Removes the event streams of one namespace (a stack's) from a shared NATS server. */
export async function deleteStreams(natsUrl: string, namespace: string): Promise<void> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(`${namespace}_`)) await jsm.streams.delete(name);
    }
  } finally {
    await nc.close();
  }
}
