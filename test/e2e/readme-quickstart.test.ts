/**
 * The README's quickstart and the operations guide's local-stack commands, run as written (bash,
 * curl, `make -s token`) against `npm run stack`: through its gateway on the stack's gateway port,
 * and straight at the services. Then the gateway's other rules as a client meets them: the API-key
 * route, the 401 for a missing token, the anonymous rate limit, the client-identity strip.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey } from '@mesh-kit/catalog/api-key';
import { catalog } from '@mesh-kit/catalog';
import { startStack, type StackProcess } from '../../test-support/stack-process.js';
import { inject } from 'vitest';
import { withDatabase } from '../../scripts/stack/plan.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const execFileAsync = promisify(execFile);
let stack: StackProcess;

/** The sh block that follows the HTML comment `<!-- marker: … -->` in a Markdown file. */
function block(file: string, marker: string): string {
  const text = readFileSync(`${root}${file}`, 'utf8');
  const at = text.indexOf(`<!-- ${marker}`);
  if (at < 0) throw new Error(`${file} has no <!-- ${marker} --> block`);
  const match = /```sh\n([\s\S]*?)```/.exec(text.slice(at));
  if (match === null) throw new Error(`${file}: no sh block after <!-- ${marker}: -->`);
  return match[1]!;
}

/** Runs a snippet with bash, its `localhost:<port>` moved to this stack's ports. */
function run(snippet: string, env: Record<string, string> = {}): string[] {
  const gatewayPort = new URL(stack.urls.gateway!).port;
  const script = snippet.replace(/localhost:(\d+)/g, (_, port: string) =>
    port === '8080' ? `127.0.0.1:${gatewayPort}` : `127.0.0.1:${Number(port) + stack.portOffset}`,
  );
  const result = spawnSync('bash', ['-euo', 'pipefail', '-c', script], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, SECRETS_DIR: stack.secretsDir, ...env },
    timeout: 120_000,
  });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.trimEnd().split('\n');
}

beforeAll(async () => {
  stack = await startStack();
}, 240_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the README quickstart against npm run stack', () => {
  it('lists products, registers, orders (priced by products), reads the overview, and refuses no token', () => {
    const [products, user, order, overview, refused] = run(block('README.md', 'quickstart-curl'));
    expect(JSON.parse(products!).items).toHaveLength(5);
    const profile = JSON.parse(user!) as { id: string; name: string };
    expect(profile.name).toBe('Ada');
    const placed = JSON.parse(order!) as { status: string; userId: string; items: { unitPriceCents: number }[] };
    expect(placed).toMatchObject({ status: 'confirmed', userId: profile.id });
    expect(placed.items[0]!.unitPriceCents).toBeGreaterThan(0);
    const seen = JSON.parse(overview!) as { user: { id: string }; orders: { id: string }[]; missing: string[] };
    expect(seen.user.id).toBe(profile.id);
    expect(seen.orders.map((o) => o.id)).toContain((JSON.parse(order!) as { id: string }).id);
    expect(seen.missing).toEqual([]);
    expect(refused).toBe('401');
  });

  it("runs the operations guide's direct calls as written", () => {
    const [user, order, overview] = run(block('docs/operations.md', 'generated:stack-direct'));
    expect(JSON.parse(user!)).toMatchObject({ id: 'ada', name: 'Ada' });
    expect(JSON.parse(order!)).toMatchObject({ userId: 'ada', status: 'confirmed' });
    expect(JSON.parse(overview!)).toMatchObject({ user: { id: 'ada' } });
  });
  it.each(['docs/operations.md', 'docs/security.md'])(
    "runs %s's API-key commands as written: create, use, revoke, refused",
    (file) => {
      const database = `${stack.databasePrefix}${catalog.services.find((s) => s.name === 'apikeys')!.database!}`;
      const url = withDatabase(inject('backing').postgresAdminUrl, database);
      const [stats, revoked, refused] = run(block(file, 'stack-apikey'), { APIKEYS_DATABASE_URL: url });
      expect(JSON.parse(stats!)).toMatchObject({ orders: expect.any(Number) });
      expect(revoked).toMatch(/back-office/);
      expect(refused).toBe('401');
    },
  );
});

describe("the local gateway applies the cluster gateway's rules", () => {
  const gateway = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${stack.urls.gateway}${path}`, { headers });
  // Asynchronous, unlike run(): a blocked event loop would miss the gateway closing an idle
  // kept-alive connection, and the next fetch would reuse the closed socket.
  const token = async (sub: string): Promise<string> => {
    const { stdout } = await execFileAsync('make', ['-s', 'token', `SUB=${sub}`], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, SECRETS_DIR: stack.secretsDir },
    });
    return stdout.trim();
  };

  it('the API-key route takes a key with its scope and refuses a user token beside it', async () => {
    const key = generateApiKey();
    const database = `${stack.databasePrefix}${catalog.services.find((s) => s.name === 'apikeys')!.database!}`;
    const client = new pg.Client({ connectionString: withDatabase(inject('backing').postgresAdminUrl, database) });
    await client.connect();
    await client.query(`INSERT INTO api_keys (name, key_hash, scopes) VALUES ('readme', $1, ARRAY['stats:read'])`, [
      hashApiKey(key),
    ]);
    await client.end();
    expect((await gateway('/api/stats', { 'x-api-key': key })).status).toBe(200);
    const both = await gateway('/api/stats', { 'x-api-key': key, authorization: `Bearer ${await token('reader')}` });
    expect(both.status).toBe(403);
    expect(both.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const none = await gateway('/api/stats');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('ApiKey header="x-api-key"');
  });

  it('a client-sent x-user-id never reaches a service: the token decides who the caller is', async () => {
    const res = await gateway('/api/overview', {
      authorization: `Bearer ${await token('mallory')}`,
      'x-user-id': 'ada',
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: unknown }).user).toBeNull();
  });

  it('a forged token is a 401; the anonymous bucket answers 429 problem+json once spent', async () => {
    expect((await gateway('/api/orders', { authorization: 'Bearer a.b.c' })).status).toBe(401);
    // One address (this test's) meets its own anonymous bucket first, before the gateway-wide one.
    const burst = catalog.ingress.rateLimit.perAddress.anonymous.maxTokens * 3;
    const statuses = await Promise.all(Array.from({ length: burst }, () => gateway('/api/products?limit=1')));
    const limited = statuses.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.headers.get('content-type')).toBe('application/problem+json');
    expect(await limited[0]!.json()).toMatchObject({ status: 429 });
  });
});
