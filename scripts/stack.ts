/**
 * `npm run stack`: every catalog service as a local process against local PostgreSQL and NATS, and
 * the ingress gateway in front of them on http://127.0.0.1:8080 (STACK_GATEWAY_PORT), the same
 * routes and auth rules as on a cluster (scripts/stack/gateway.ts).
 * Prints `NAME URL` per service and `gateway URL`, then `stack ready`; SIGINT/SIGTERM stops all of
 * them cleanly. Service logs go to STACK_LOG_DIR (default .stack/logs), one file per service.
 */
import { connect as tcpConnect } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalog } from '@mesh-kit/catalog';
import { extAuthzProvidersOf } from '../infra/cdk8s/src/gateway-model/ext-authz-providers.js';
import { type LocalGateway, startGateway } from './stack/gateway.js';
import { ensureGatewayTls } from './secrets.js';
import { gatewayObjects, identitySigningKey, stackCatalog } from './stack/gateway-objects.js';
import { ensureDatabases } from './stack/databases.js';
import { stackOptions } from './stack/options.js';
import { planStack } from './stack/plan.js';
import { bootstrapStreams } from './stack/streams.js';
import { startService, stopAll, waitReady, type RunningService } from './stack/processes.js';

const logDir = resolve(process.env.STACK_LOG_DIR ?? '.stack/logs');
/** Whether something accepts TCP connections at a URL's host and port. */
function answers(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolveAnswer) => {
    const socket = tcpConnect({ host: hostname, port: Number(port || defaultPort) });
    socket.setTimeout(2_000, () => socket.destroy());
    socket.once('connect', () => {
      socket.destroy();
      resolveAnswer(true);
    });
    socket.once('error', () => resolveAnswer(false));
    socket.once('close', () => resolveAnswer(false));
  });
}

let running: RunningService[] = [];
let gateway: LocalGateway | undefined;
let stopping = false;

async function shutdown(reason: string, exitCode: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    process.stderr.write(`stack: stopping (${reason})\n`);
    await gateway?.close();
    const codes = await stopAll(running, 15_000);
    const unclean = running.filter((_, i) => codes[i] !== 0).map((s, i) => `${s.service.name}=${String(codes[i])}`);
    if (unclean.length > 0) {
      process.stderr.write(`stack: unclean exits: ${unclean.join(', ')}\n`);
      exitCode ||= 1;
    } else {
      process.stderr.write('stack: stopped\n');
    }
  }
  process.exit(exitCode);
}

/** The certificate and key `make secrets` made for localhost (made now when missing). */
async function gatewayTls(dir: string, source: typeof catalog): Promise<{ cert: string; key: string }> {
  const data = await ensureGatewayTls(dir, source);
  return { cert: data['tls.crt'] ?? '', key: data['tls.key'] ?? '' };
}

try {
  const options = stackOptions(process.env);
  const local = options.gatewayPort === undefined ? catalog : stackCatalog(catalog, options.gatewayPort);
  const secretsDir = resolve(options.secretsDir ?? '.secrets');
  const objects = options.gatewayPort === undefined ? [] : gatewayObjects(local, secretsDir);
  const signingKey = options.gatewayPort === undefined ? undefined : identitySigningKey(local, secretsDir);
  const plan = planStack(
    { ...options, ...(signingKey === undefined ? {} : { identitySigningKey: signingKey }) },
    local,
  );
  await ensureDatabases(
    options.postgresAdminUrl,
    plan.flatMap((s) => (s.database === undefined ? [] : [s.database])),
  );
  if (plan.some((s) => s.env.NATS_URL !== undefined)) {
    if (!(await answers(options.natsUrl, 4222))) {
      const { host } = new URL(options.natsUrl);
      process.stderr.write(
        `stack: NATS does not answer at ${host}: the services that need it wait (not ready) until it does; start nats-server -js, or set NATS_URL\n`,
      );
    }
    // The streams come from the bootstrap, as in the cluster, once the broker answers.
    void bootstrapStreams(options.natsUrl, options.eventsNamespace ?? '', local).catch((error: unknown) =>
      process.stderr.write(
        `stack: could not create the event streams: ${error instanceof Error ? error.message : String(error)}\n`,
      ),
    );
  }
  // A closed terminal (SIGHUP) or a reader that went away (stdout a broken pipe) must still stop the services.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => void shutdown(signal, 0));
  running = plan.map((service) => startService(service, logDir));
  for (const r of running) {
    void r.exited.then((code) => {
      if (!stopping) void shutdown(`${r.service.name} exited unexpectedly (${String(code)}); see ${r.logFile}`, 1);
    });
  }
  await Promise.all(running.map((r) => waitReady(r, 90_000)));
  for (const r of running) process.stdout.write(`${r.service.name} ${r.service.url}\n`);
  if (options.gatewayPort !== undefined) {
    const suffix = `.${catalog.namespace}.svc.cluster.local`;
    const urls = new Map(plan.map((s) => [`${s.name}${suffix}`, s.url]));
    gateway = await startGateway({
      objects,
      host: options.host,
      port: options.gatewayPort,
      identityHeader: catalog.ingress.jwt.identityHeader,
      providers: extAuthzProvidersOf(fileURLToPath(new URL('../mesh/istio/istio-operator.yaml', import.meta.url))),
      upstream: (host) => urls.get(host),
      ...(options.gatewayHttpsPort === undefined
        ? {}
        : { tls: { ...(await gatewayTls(secretsDir, local)), port: options.gatewayHttpsPort } }),
    }).catch((error: unknown) => {
      throw new Error(
        `gateway: cannot listen on ${options.host}:${options.gatewayPort} or :${options.gatewayHttpsPort ?? '-'} (${error instanceof Error ? error.message : String(error)}); set STACK_GATEWAY_PORT / STACK_GATEWAY_HTTPS_PORT`,
      );
    });
    process.stdout.write(`gateway ${gateway.url}\n`);
    if (gateway.httpsUrl !== undefined) process.stdout.write(`gateway-https ${gateway.httpsUrl}\n`);
  }
  process.stdout.write('stack ready\n');
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  await shutdown('start-up failed', 1);
}
