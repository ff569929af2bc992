import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloneForRehearsal, type MakeRun, type Rehearsal } from './rehearsal/rehearsal.js';

// The README's prerequisites are Docker and make: with no usable Node, every Node step runs through
// `docker run` in the node image, which sees only its mounts and variables and has no kubectl.
let user: Rehearsal;
const matching = (run: MakeRun, pattern: RegExp): string[] => run.calls.filter((call) => pattern.test(call));
const subjectOf = (token: string): unknown =>
  (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: unknown }).sub;

beforeAll(() => {
  user = cloneForRehearsal({ dockerOnly: true });
});
afterAll(() => user.remove());

describe('a Docker-only host, through make', { timeout: 300_000 }, () => {
  it('make deploy runs the Node steps in containers and waits for the data tier Job before the services', () => {
    const run = user.make('deploy');
    expect(run.status, run.output).toBe(0);
    expect(matching(run, /^docker run .* node:24-alpine /).length).toBeGreaterThan(3);
    expect(run.output).not.toMatch(/not found|outside every -v mount/);
    const data = readFileSync(join(user.clone, 'dist', 'manifests', '20-data.k8s.yaml'), 'utf8');
    const job = /kind: Job\n(?:.*\n)*?\s+name: (postgres-init-[0-9a-f-]+)/.exec(data)?.[1] ?? 'no Job';
    const dataApplied = run.calls.findIndex((call) => / apply .*\/data\.yaml$/.test(call));
    const waited = run.calls.findIndex((call) => call.includes(`get job.batch/${job} `));
    const servicesApplied = run.calls.findIndex((call) => / apply .*\/workloads\.yaml$/.test(call));
    expect(dataApplied).toBeGreaterThan(-1);
    expect(waited).toBeGreaterThan(dataApplied);
    expect(waited).toBeLessThan(servicesApplied);
  });

  it('make deploy DEPLOY_WITH=helm runs to the end', () => {
    const run = user.make('deploy', { DEPLOY_WITH: 'helm' });
    expect(run.status, run.output).toBe(0);
    expect(matching(run, /^helm .*upgrade --install mesh-kit /)).toHaveLength(1);
    expect(run.output).toContain('done: `make port-forward`');
  });

  it('make token SUB=alice signs for alice, and without SUB says which subject it chose', () => {
    const alice = user.make('token', { SUB: 'alice' }, 60_000);
    expect(alice.status, alice.output).toBe(0);
    const token = /^ey\S+$/m.exec(alice.output)?.[0] ?? '';
    expect(subjectOf(token)).toBe('alice');

    const random = user.make('token', {}, 60_000);
    expect(random.status, random.output).toBe(0);
    const chosen = subjectOf(/^ey\S+$/m.exec(random.output)?.[0] ?? '');
    expect(chosen).toMatch(/^[0-9a-f-]{36}$/);
    expect(random.output).toContain(`sub ${String(chosen)}`);
  });

  it('make apikey creates a key through kubectl exec on this machine, refuses a second naming NAME, revokes', () => {
    const created = user.make('apikey', { NAME: 'partner', SCOPES: 'stats:read' }, 60_000);
    expect(created.status, created.output).toBe(0);
    expect(created.output).toMatch(/^mk_[A-Za-z0-9_-]{43}$/m);
    expect(
      matching(created, /^kubectl --context kind-mesh-kit -n shop exec -i statefulset\/postgres -c postgres -- psql /),
    ).toHaveLength(1);

    const again = user.make('apikey', { NAME: 'partner', SCOPES: 'stats:read' }, 60_000);
    expect(again.status).not.toBe(0);
    expect(again.output).toContain("NAME: 'partner' already has an active key; revoke it first");
    expect(again.output).not.toMatch(/^mk_/m);

    const revoked = user.make('apikey-revoke', { NAME: 'partner' }, 60_000);
    expect(revoked.status, revoked.output).toBe(0);
    expect(revoked.output).toContain("revoked the key of 'partner'");
  });
});
