import { readdirSync, readFileSync, rmSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '@mesh-kit/catalog';
import { cloneForRehearsal, type MakeRun, type Rehearsal } from './rehearsal/rehearsal.js';

// The user's whole cluster path through make, from a fresh clone, against stand-ins that remember
// what they were asked to create: the order of the steps, that a second deploy changes nothing,
// that a code change rolls out, and that every failure ends with a message instead of a hang.
let user: Rehearsal;
let first: MakeRun;
const DEPLOY_STEPS = ['tools', 'cluster', 'istio', 'addons', 'images', 'load', 'secrets', 'synth', 'apply'];
const SERVICES = catalog.services.length;

const matching = (run: MakeRun, pattern: RegExp): string[] => run.calls.filter((call) => pattern.test(call));
const CHANGES = /^(kind create|kind load|istioctl install|docker (buildx )?build|kubectl .* apply |helm .*upgrade )/;
const applyIndex = (run: MakeRun, file: string): number =>
  run.calls.findIndex((call) => / apply /.test(call) && call.endsWith(`/${file}`));
/** Each Deployment's image in dist/manifests, by Deployment name. */
const deployedImages = (clone: string): Map<string, string> => {
  const images = new Map<string, string>();
  const manifests = join(clone, 'dist', 'manifests');
  for (const file of readdirSync(manifests)) {
    for (const document of readFileSync(join(manifests, file), 'utf8').split(/^---$/m)) {
      const name = /^kind: Deployment\nmetadata:\n(?: {2,}.*\n)*? {2}name: (\S+)/m.exec(document)?.[1];
      const image = /^ +image: (\S+)/m.exec(document)?.[1];
      if (name !== undefined && image !== undefined) images.set(name, image);
    }
  }
  return images;
};
const jobName = (clone: string): string => {
  const data = readFileSync(join(clone, 'dist', 'manifests', '20-data.k8s.yaml'), 'utf8');
  return /name: (postgres-init-[0-9a-f]{8}(?:-[0-9a-f]{8})?)\n/.exec(data)?.[1] ?? 'none';
};

beforeAll(() => {
  user = cloneForRehearsal();
  first = user.make('deploy');
}, 240_000);
afterAll(() => user.remove());

// Each make run has its own time limit (MakeRun's timeout); a test that makes several runs needs their sum.
describe('a fresh clone, through make', { timeout: 300_000 }, () => {
  it('every script the Makefile runs is executable in git', () => {
    const makefile = readFileSync(join(user.clone, 'Makefile'), 'utf8');
    const scripts = [...new Set([...makefile.matchAll(/^\t@?(scripts\/[\w-]+\.sh)/gm)].map((m) => m[1] ?? ''))];
    expect(scripts.length).toBeGreaterThanOrEqual(15);
    const modes = new Map(
      user
        .git('ls-files', '-s', ...scripts, '.ci/run')
        .trim()
        .split('\n')
        .map((line) => [line.split('\t')[1] ?? '', line.split(' ')[0] ?? ''] as const),
    );
    for (const script of [...scripts, '.ci/run']) expect(`${script} ${modes.get(script)}`).toBe(`${script} 100755`);
  });

  it('make deploy runs tools, cluster, istio, addons, images, load, secrets, synth and apply to the end', () => {
    expect(first.status, first.output).toBe(0);
    expect(first.steps).toEqual(DEPLOY_STEPS);
    expect(matching(first, /^curl /)).toEqual([]);
    expect(matching(first, /^kind create cluster --name mesh-kit /)).toHaveLength(1);
    expect(matching(first, /^istioctl install /)).toHaveLength(1);
    expect(matching(first, /^docker buildx build --load --provenance=false /)).toHaveLength(SERVICES);
    // One image per catalog service, each from the one Dockerfile.
    expect(
      matching(first, /^docker buildx build /).map((call) => /--build-arg SERVICE=(\S+) /.exec(call)?.[1]),
    ).toEqual(catalog.services.map((s) => s.name));
    expect(matching(first, /^kind load image-archive --name mesh-kit /)).toHaveLength(SERVICES);
    expect(first.output).toContain('done: `make port-forward`');
  });

  it('applies the data tier and waits for it before the services', () => {
    const applies = first.calls.flatMap((call, index) => (/ apply /.test(call) ? [{ call, index }] : []));
    const data = applies.findIndex(({ call }) => call.includes('/data.yaml'));
    const all = applies.findIndex(({ call }) => call.endsWith('/workloads.yaml'));
    expect(data).toBeGreaterThan(-1);
    expect(all).toBeGreaterThan(data);
    const job = jobName(user.clone);
    const waited = first.calls.findIndex((call) => call.includes(`get job.batch/${job}`));
    expect(waited).toBeGreaterThan(applies[data]?.index ?? Infinity);
    expect(waited).toBeLessThan(applies[all]?.index ?? -1);
  });

  it('a second make deploy creates, installs, builds, loads and applies nothing', () => {
    const again = user.make('deploy');
    expect(again.status, again.output).toBe(0);
    expect(again.steps).toEqual(DEPLOY_STEPS);
    expect(again.calls.filter((call) => CHANGES.test(call))).toEqual([]);
  });

  it('a change outside the images rolls out nothing; a code change rolls out the images it touches alone', () => {
    appendFileSync(join(user.clone, 'README.md'), '\nA local note.\n');
    const docs = user.make('deploy');
    expect(docs.status, docs.output).toBe(0);
    expect(docs.calls.filter((call) => CHANGES.test(call))).toEqual([]);

    const before = deployedImages(user.clone);
    appendFileSync(join(user.clone, 'services', 'orders', 'src', 'order.ts'), '\n// a code change\n');
    const code = user.make('deploy');
    expect(code.status, code.output).toBe(0);
    const after = deployedImages(user.clone);
    const changed = [...after.keys()].filter((deployment) => after.get(deployment) !== before.get(deployment));
    expect(changed).toEqual(['orders']);
    expect(matching(code, /^docker buildx build /).map((call) => /SERVICE=(\S+)/.exec(call)?.[1])).toEqual(['orders']);
    expect(matching(code, /^kind load image-archive /)).toHaveLength(1);
    expect(user.nodeImages()).toContain(after.get('orders'));
    expect(matching(code, /^kubectl .* apply .* -f \S+\/workloads\.yaml$/)).toHaveLength(1);
  });

  it('new database credentials re-run the database init Job and roll their service, without naming them', () => {
    const before = jobName(user.clone);
    const manifest = (name: string): string => readFileSync(join(user.clone, 'dist', 'manifests', name), 'utf8');
    const [orders, users] = [manifest('30-orders.k8s.yaml'), manifest('30-users.k8s.yaml')];
    const secret = join(user.clone, '.secrets', 'orders-db.json');
    rmSync(secret);
    const run = user.make('deploy');
    expect(run.status, run.output).toBe(0);
    const after = jobName(user.clone);
    expect(after).not.toBe(before);
    // orders' pod template carries a digest of the Secrets it reads: a new one rolls it, and only it.
    expect(manifest('30-orders.k8s.yaml')).not.toBe(orders);
    expect(manifest('30-users.k8s.yaml')).toBe(users);
    expect(matching(run, new RegExp(`^kubectl .* get job.batch/${after} `))).not.toEqual([]);
    const password = (JSON.parse(readFileSync(secret, 'utf8')) as { password: string }).password;
    const manifests = join(user.clone, 'dist', 'manifests');
    for (const file of readdirSync(manifests)) {
      expect(readFileSync(join(manifests, file), 'utf8')).not.toContain(password);
    }
    expect(run.output).not.toContain(password);
  });

  it('a failed Job fails the deploy at once and names it', () => {
    const started = Date.now();
    const run = user.make('deploy', { STANDIN_JOB_STATE: 'Failed' });
    expect(run.status).not.toBe(0);
    // The first Job the deploy waits for (the broker's bootstrap or the database init) fails it, by name.
    expect(run.output).toMatch(/error: job\.batch\/(broker-bootstrap|postgres-init)-[0-9a-f]{8}-[0-9a-f]{8} failed/);
    expect(run.output).toContain('password authentication failed');
    // At once: not by waiting out the deploy's own limit (ROLLOUT_TIMEOUT in versions.env).
    const limit = /^ROLLOUT_TIMEOUT=(\d+)s$/m.exec(readFileSync(join(user.clone, 'versions.env'), 'utf8'))?.[1];
    expect(run.output).not.toContain('did not complete within');
    expect(Date.now() - started).toBeLessThan(Number(limit) * 1000);
  });

  it('make canary shifts traffic through synth and apply, once; a bad WEIGHT is named; rollback removes the v2', () => {
    const storefront = (): string =>
      readFileSync(join(user.clone, 'dist', 'manifests', '30-storefront.k8s.yaml'), 'utf8');
    // A code change not yet deployed: the canary changes traffic only, and runs the images the node has.
    const deployed = deployedImages(user.clone);
    appendFileSync(join(user.clone, 'services', 'storefront', 'src', 'server.ts'), '\n// not yet deployed\n');
    const canary = user.make('canary', {
      SERVICE: 'storefront',
      WEIGHT: '20',
      STANDIN_EXTRA_WORKLOADS: 'deployment.apps/storefront-v2',
    });
    expect(canary.status, canary.output).toBe(0);
    expect(canary.steps).toEqual(['traffic', 'synth', 'apply']);
    const running = deployedImages(user.clone);
    for (const [deployment, image] of deployed)
      expect(`${deployment} ${running.get(deployment)}`).toBe(`${deployment} ${image}`);
    expect(running.get('storefront-v2')).toBe(deployed.get('storefront'));
    for (const image of running.values()) expect(user.nodeImages()).toContain(image);
    expect(storefront()).toContain('name: storefront-v2');
    expect(storefront()).toMatch(/subset: v2\n\s+weight: 20/);
    // Make-before-break: the v2 Deployment, then its rollout, then the v2 subset, then the weights.
    const rolledOut = canary.calls.findIndex((call) => call.includes('rollout status deployment.apps/storefront-v2 '));
    expect(applyIndex(canary, 'workloads.yaml')).toBeGreaterThan(-1);
    expect(rolledOut).toBeGreaterThan(applyIndex(canary, 'workloads.yaml'));
    expect(applyIndex(canary, 'routes-subsets.yaml')).toBeGreaterThan(rolledOut);
    expect(applyIndex(canary, 'routes-weights.yaml')).toBeGreaterThan(applyIndex(canary, 'routes-subsets.yaml'));

    const again = user.make('canary', { SERVICE: 'storefront', WEIGHT: '20' });
    expect(again.status, again.output).toBe(0);
    expect(again.output).toContain('no changes');
    expect(again.calls.filter((call) => CHANGES.test(call) || / delete /.test(call))).toEqual([]);

    const bad = user.make('canary', { SERVICE: 'storefront', WEIGHT: '150' });
    expect(bad.status).not.toBe(0);
    expect(bad.output).toContain('error: WEIGHT=150: must be a whole number from 0 to 100');
    expect(bad.steps).toEqual(['traffic']);

    const back = user.make('rollback', {
      SERVICE: 'storefront',
      STANDIN_EXTRA_WORKLOADS: 'deployment.apps/storefront-v2\npoddisruptionbudget.policy/storefront-v2',
    });
    expect(back.status, back.output).toBe(0);
    expect(storefront()).not.toContain('storefront-v2');
    // Break after make: no route names v2 before its subset goes, and v2 goes last.
    expect(applyIndex(back, 'routes-weights.yaml')).toBeGreaterThan(-1);
    expect(applyIndex(back, 'routes-subsets.yaml')).toBeGreaterThan(applyIndex(back, 'routes-weights.yaml'));
    expect(back.calls.findIndex((call) => / delete deployment/.test(call))).toBeGreaterThan(
      applyIndex(back, 'routes-subsets.yaml'),
    );
    expect(matching(back, / delete /)).toEqual([
      'kubectl --context kind-mesh-kit -n shop delete deployment.apps/storefront-v2 --ignore-not-found',
      'kubectl --context kind-mesh-kit -n shop delete poddisruptionbudget.policy/storefront-v2 --ignore-not-found',
    ]);
  }, 300_000);

  it('make canary rolls v2 out before any route names it; a v2 that never becomes ready leaves the routes alone', () => {
    const traffic = join(user.clone, '.traffic.json');
    const failed = user.make('canary', {
      SERVICE: 'storefront',
      WEIGHT: '20',
      STANDIN_EXTRA_WORKLOADS: 'deployment.apps/storefront-v2',
      STANDIN_ROLLOUT_FAIL: 'deployment.apps/storefront-v2',
    });
    expect(failed.status).not.toBe(0);
    expect(failed.output).toContain('error: deployment.apps/storefront-v2 did not become ready within 300s');
    expect(failed.output).toContain('the routes (VirtualServices, DestinationRules) were left as they were');
    expect(applyIndex(failed, 'workloads.yaml')).toBeGreaterThan(-1);
    expect(applyIndex(failed, 'routes-subsets.yaml')).toBe(-1);
    expect(applyIndex(failed, 'routes-weights.yaml')).toBe(-1);
    // What the error suggests puts v1 alone back.
    const back = user.make('rollback', { SERVICE: 'storefront' });
    expect(back.status, back.output).toBe(0);
    expect(readFileSync(traffic, 'utf8')).toContain('"stage": "stable"');
  });

  it('make chaos SCENARIO=payments-replica-down adds payments-faulty through synth and apply, once; chaos-off removes it', () => {
    const payments = (): string => readFileSync(join(user.clone, 'dist', 'manifests', '30-payments.k8s.yaml'), 'utf8');
    const on = user.make('chaos', { SCENARIO: 'payments-replica-down' });
    expect(on.status, on.output).toBe(0);
    expect(on.steps).toEqual(['traffic', 'synth', 'apply']);
    expect(payments()).toContain('name: payments-faulty');
    expect(matching(on, /^kubectl .* apply .* -f \S+\/workloads\.yaml$/)).toHaveLength(1);

    const again = user.make('chaos', { SCENARIO: 'payments-replica-down' });
    expect(again.status, again.output).toBe(0);
    expect(again.output).toContain('no changes');
    expect(again.calls.filter((call) => CHANGES.test(call) || / delete /.test(call))).toEqual([]);

    const off = user.make('chaos-off', {
      STANDIN_EXTRA_WORKLOADS: 'deployment.apps/payments-faulty\npoddisruptionbudget.policy/payments-faulty',
    });
    expect(off.status, off.output).toBe(0);
    expect(payments()).not.toContain('payments-faulty');
    expect(matching(off, / delete /)).toEqual([
      'kubectl --context kind-mesh-kit -n shop delete deployment.apps/payments-faulty --ignore-not-found',
      'kubectl --context kind-mesh-kit -n shop delete poddisruptionbudget.policy/payments-faulty --ignore-not-found',
    ]);
  }, 300_000);

  it('make canary without a reachable cluster changes nothing and says so', () => {
    const stateFiles = (): string => user.git('status', '--porcelain', '--ignored', '.traffic.json', 'dist');
    const before = stateFiles();
    const manifests = readFileSync(join(user.clone, 'dist', 'manifests', '30-storefront.k8s.yaml'), 'utf8');
    const run = user.make('canary', { SERVICE: 'storefront', WEIGHT: '30', CONTEXT: 'nowhere' });
    expect(run.status).not.toBe(0);
    expect(run.output).toContain("no cluster answers on kube context 'nowhere'");
    expect(stateFiles()).toBe(before);
    expect(readFileSync(join(user.clone, 'dist', 'manifests', '30-storefront.k8s.yaml'), 'utf8')).toBe(manifests);
    expect(run.steps).toEqual([]);
  });

  it("make logs follows as many pods as the autoscalers allow (kubectl's --max-log-requests)", () => {
    const run = user.make('logs', {}, 60_000);
    expect(run.status, run.output).toBe(0);
    const cap = Number(/--max-log-requests=(\d+)/.exec(run.calls.at(-1) ?? '')?.[1]);
    const ceiling = catalog.services.reduce(
      (sum, s) => sum + Math.max(s.replicas, s.autoscaling?.maxReplicas ?? 0) * (s.v2 === undefined ? 1 : 2),
      0,
    );
    expect(cap).toBeGreaterThanOrEqual(ceiling);
  });

  it('DEPLOY_WITH=helm make deploy on a cluster deployed from manifests adopts its objects', () => {
    const run = user.make('deploy', { DEPLOY_WITH: 'helm' });
    expect(run.status, run.output).toBe(0);
    expect(
      matching(
        run,
        /^helm --kube-context kind-mesh-kit upgrade --install mesh-kit charts\/mesh-kit .*--take-ownership/,
      ),
    ).toHaveLength(1);
    // The chart names the database init Job after the credentials as synth does.
    expect(matching(run, new RegExp(`get job\\.batch/${jobName(user.clone)} `))).not.toEqual([]);
    const again = user.make('deploy', { DEPLOY_WITH: 'helm' });
    expect(again.status, again.output).toBe(0);
    expect(again.calls.filter((call) => CHANGES.test(call))).toEqual([]);
  });

  it('make port-forward forwards localhost:8080 and :8443 to the ingress gateway', () => {
    const run = user.make('port-forward', {}, 30_000);
    expect(run.status, run.output).toBe(0);
    expect(run.calls.at(-1)).toBe(
      'kubectl --context kind-mesh-kit -n istio-system port-forward --address 127.0.0.1 svc/istio-ingressgateway 8080:80 8443:443',
    );
  });

  it('make verify without a reachable API server fails with a message, not a hang', () => {
    const run = user.make('verify', {}, 120_000);
    expect(run.status).not.toBe(0);
    expect(run.status).not.toBeNull();
    expect(run.output).toMatch(/verify: .*(127\.0\.0\.1:9|ECONNREFUSED|connect)/);
  });

  it('make undeploy deletes by label, make clean deletes the cluster, and a second clean finds none', () => {
    const undeploy = user.make('undeploy');
    expect(undeploy.status, undeploy.output).toBe(0);
    expect(matching(undeploy, /^kubectl .* delete .* -l app\.kubernetes\.io\/part-of=mesh-kit /)).toHaveLength(1);
    const clean = user.make('clean');
    expect(clean.status, clean.output).toBe(0);
    expect(clean.calls).toContain('kind delete cluster --name mesh-kit');
    const again = user.make('clean');
    expect(again.output).toContain('no kind cluster named mesh-kit');
  });
});
