import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { catalog } from '@mesh-kit/catalog';
import { writeIstioRelease } from './support/istio-release.js';

/**
 * @models kubectl, kind, docker, istioctl and helm as recording stubs (STUB below)
 *
 * The scripts run for real against stand-ins for kubectl, kind, docker and istioctl that record
 * each call: this proves what runs on kind versus another cluster without a cluster. The stubs keep
 * no rule of those tools beyond the exit status and output each case below gives.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
let bin: string;
let log: string;

const STUB = `#!/usr/bin/env bash
echo "\${DOCKER_BUILDKIT:+DOCKER_BUILDKIT=$DOCKER_BUILDKIT }$(basename "$0") $*" >>"$STUB_LOG"
case "$(basename "$0") $*" in
  "docker version --format {{.Client.Version}}") echo "\${STUB_DOCKER_CLIENT:-28.2.2}" ;;
  "docker version --format {{.Server.Os}}/{{.Server.Arch}}") echo linux/amd64 ;;
  "kind get clusters") printf '%s\\n' \${STUB_KIND_CLUSTERS:-} ;;
  "kind get nodes"*) echo mesh-kit-control-plane ;;
  "docker exec"*|"docker image inspect"*|"docker buildx version") exit 1 ;;
  "docker save -o "*) echo image >"$4" ;;
  *"get deployment istiod"*) printf '%s' "\${STUB_ISTIOD_IMAGE:-}"; [ -n "\${STUB_ISTIOD_IMAGE:-}" ] ;;
  *" diff --server-side"*) exit "\${STUB_DIFF_RC:-1}" ;;
  "helm template"*) cat "\${STUB_HELM_TEMPLATE:-/dev/null}" ;;
  "helm --kube-context"*" get manifest"*) cat "\${STUB_HELM_MANIFEST:-/dev/null}" ;;
  *"get deployments,statefulsets"*) echo deployment.apps/orders ;;
  *"get jobs"*) echo job.batch/postgres-init-old ;;
  *"get job.batch/"*) printf 'Complete ' ;;
  *"api-resources"*) printf 'pods\\nevents\\nnamespaces\\n' ;;
esac
exit 0
`;

function run(
  script: string,
  env: Record<string, string> = {},
): { status: number | null; output: string; calls: string[] } {
  rmSync(log, { force: true });
  const result = spawnSync('bash', [`scripts/${script}`], {
    cwd: root,
    encoding: 'utf8',
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '/tmp',
      TOOLS_BIN: bin,
      STUB_LOG: log,
      ...env,
    },
  });
  const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : [];
  return { status: result.status, output: result.stdout + result.stderr, calls };
}

beforeEach(() => {
  bin = mkdtempSync(join(tmpdir(), 'mesh-kit-stubs-'));
  log = join(bin, 'calls.log');
  for (const tool of ['kubectl', 'kind', 'docker', 'istioctl', 'helm']) {
    writeFileSync(join(bin, tool), STUB);
    chmodSync(join(bin, tool), 0o755);
  }
});
afterEach(() => rmSync(bin, { recursive: true, force: true }));

describe('on kind (no CONTEXT)', () => {
  it('cluster creates the kind cluster with the pinned node image when it is missing', () => {
    const { status, calls } = run('cluster.sh');
    expect(status).toBe(0);
    expect(calls).toContainEqual(
      expect.stringMatching(
        /^kind create cluster --name mesh-kit --config kind-config.yaml --image kindest\/node:v1\.35\.0@sha256:452d707d/,
      ),
    );
    expect(calls.at(-1)).toMatch(
      /^kubectl --context kind-mesh-kit wait --for=condition=Ready nodes --all --timeout=300s$/,
    );
  });

  it('cluster leaves an existing cluster alone', () => {
    const { status, calls } = run('cluster.sh', { STUB_KIND_CLUSTERS: 'mesh-kit' });
    expect(status).toBe(0);
    expect(calls.filter((call) => call.startsWith('kind create'))).toEqual([]);
  });

  it('images builds each service for this machine, each under its own tag, and load copies each into the node', () => {
    const images = run('images.sh');
    expect(images.status, images.output).toBe(0);
    const builds = images.calls.filter((call) => call.startsWith('docker build '));
    expect(builds).toHaveLength(catalog.services.length);
    const tags = builds.map((call) => / -t mesh-kit\/[a-z]+:(0\.1\.0-[0-9a-f]{12}) \.$/.exec(call)?.[1]);
    expect(new Set(tags).size).toBe(catalog.services.length);
    const tag = tags[catalog.services.findIndex((s) => s.name === 'orders')];
    // Docker 23+ without buildx has only the classic builder, which leaves $BUILDPLATFORM empty.
    expect(builds).toContain(
      `docker build --quiet --build-arg BUILD_PLATFORM=linux/amd64 --build-arg SERVICE=orders -t mesh-kit/orders:${tag} .`,
    );
    expect(builds.map((call) => /SERVICE=(\S+)/.exec(call)?.[1])).toEqual(catalog.services.map((s) => s.name));
    const load = run('load.sh');
    expect(load.status, load.output).toBe(0);
    expect(load.calls).toContainEqual(
      expect.stringMatching(new RegExp(`^docker save -o \\S+/orders\\.tar mesh-kit/orders:${tag}$`)),
    );
    expect(load.calls.filter((call) => call.startsWith('kind load image-archive --name mesh-kit '))).toHaveLength(
      catalog.services.length,
    );
  });

  it('images builds with BuildKit through a client older than Docker 23 without buildx (Debian docker.io)', () => {
    const images = run('images.sh', { STUB_DOCKER_CLIENT: '20.10.24+dfsg1' });
    expect(images.status, images.output).toBe(0);
    const builds = images.calls.filter((call) => / build /.test(call));
    expect(builds).toHaveLength(catalog.services.length);
    for (const call of builds) expect(call).toMatch(/^DOCKER_BUILDKIT=1 docker build --quiet --build-arg SERVICE=/);
  });

  it('images passes NODE_IMAGE as the base, and a base changes every tag', () => {
    const plain = run('images.sh').calls.filter((call) => call.startsWith('docker build '));
    const based = run('images.sh', { NODE_IMAGE: 'mesh-kit-ci/node:24-x' }).calls.filter((call) =>
      call.startsWith('docker build '),
    );
    expect(based[0]).toMatch(/ --build-arg SERVICE=users --build-arg NODE_IMAGE=mesh-kit-ci\/node:24-x -t /);
    const tagOf = (call: string | undefined): string | undefined => / -t (\S+) \.$/.exec(call ?? '')?.[1];
    expect(tagOf(based[0])).not.toBe(tagOf(plain[0]));
  });

  it('images stops with a message when no daemon names its platform', () => {
    writeFileSync(join(bin, 'docker'), STUB.replace('echo linux/amd64 ;;', 'exit 1 ;;'));
    const images = run('images.sh');
    expect(images.status).not.toBe(0);
    expect(images.output).toContain('no Docker daemon answers');
  });

  it('istio installs with CNI and the kind overlay when Istio is absent', () => {
    const { status, calls } = run('istio.sh');
    expect(status).toBe(0);
    expect(calls).toContain(
      'istioctl install --context kind-mesh-kit -f mesh/istio/istio-operator.yaml -f mesh/istio/kind-overlay.yaml --skip-confirmation',
    );
    expect(calls).toContain(
      'kubectl --context kind-mesh-kit -n istio-system rollout status daemonset/istio-cni-node --timeout=300s',
    );
  });

  it('istio changes nothing when this version already runs', () => {
    const { status, calls, output } = run('istio.sh', { STUB_ISTIOD_IMAGE: 'docker.io/istio/pilot:1.30.3' });
    expect(status).toBe(0);
    expect(calls.filter((call) => call.startsWith('istioctl'))).toEqual([]);
    expect(output).toContain('Istio 1.30.3 already installed');
  });
});

describe('addons', () => {
  beforeEach(() => {
    writeIstioRelease(bin);
  });

  it("applies metrics-server on kind, then the pinned release's dashboards in order, and waits for each", () => {
    const { status, calls, output } = run('addons.sh');
    expect(status, output).toBe(0);
    const applies = calls.filter((call) => call.includes(' apply ')).map((call) => call.split('/').at(-1));
    expect(applies).toEqual(['metrics-server', 'prometheus.yaml', 'jaeger.yaml', 'kiali.yaml', 'grafana.yaml']);
    expect(calls.find((call) => call.includes(' apply '))).toMatch(/ -k mesh\/metrics-server$/);
    expect(calls.filter((call) => call.includes('rollout status'))).toEqual([
      'kubectl --context kind-mesh-kit -n kube-system rollout status deployment/metrics-server --timeout=300s',
      ...['prometheus', 'jaeger', 'kiali', 'grafana'].map(
        (name) => `kubectl --context kind-mesh-kit -n istio-system rollout status deployment/${name} --timeout=300s`,
      ),
    ]);
    expect(output).toContain('metrics-server v0.9.0');
    expect(output).not.toContain('warning');
  });

  it('metrics-server names the version versions.env pins, with the flag kind needs', () => {
    const kustomization = readFileSync(join(root, 'mesh', 'metrics-server', 'kustomization.yaml'), 'utf8');
    const pinned = /^METRICS_SERVER_VERSION=(\S+)$/m.exec(readFileSync(join(root, 'versions.env'), 'utf8'))?.[1];
    expect(kustomization).toContain(
      `https://github.com/kubernetes-sigs/metrics-server/releases/download/${pinned}/components.yaml`,
    );
    expect(kustomization).toContain('value: --kubelet-insecure-tls');
  });

  it('warns when a file does not carry the pinned version, and ADDONS=0 skips them all', () => {
    writeFileSync(join(bin, 'istio-1.30.3', 'samples', 'addons', 'kiali.yaml'), 'image: x:v9\n');
    expect(run('addons.sh').output).toContain('kiali.yaml does not mention KIALI_VERSION=v2.26');
    const skipped = run('addons.sh', { ADDONS: '0' });
    expect(skipped.status).toBe(0);
    expect(skipped.calls.filter((call) => / (apply|rollout) /.test(call) && !call.includes('metrics-server'))).toEqual(
      [],
    );
    const elsewhere = run('addons.sh', { ADDONS: '0', CONTEXT: 'prod' });
    expect(elsewhere.status).toBe(0);
    expect(elsewhere.calls).toEqual([]);
  });
});

describe('dashboards', () => {
  it.each([
    ['kiali', 'svc/kiali 20001:20001'],
    ['jaeger', 'svc/tracing 16686:80'],
    ['grafana', 'svc/grafana 3000:3000'],
    ['prometheus', 'svc/prometheus 9090:9090'],
  ])('dashboard.sh %s port-forwards the addon on 127.0.0.1', (name, forward) => {
    rmSync(log, { force: true });
    const result = spawnSync('bash', ['scripts/dashboard.sh', name], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', TOOLS_BIN: bin, STUB_LOG: log },
    });
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(log, 'utf8').trim().split('\n').at(-1)).toBe(
      `kubectl --context kind-mesh-kit -n istio-system port-forward --address 127.0.0.1 ${forward}`,
    );
  });
});

describe('beyond kind (CONTEXT and REGISTRY given)', () => {
  const prod = { CONTEXT: 'prod', REGISTRY: 'ghcr.io/me', TAG: '1.2.3' };

  it('cluster creates nothing and only checks that the cluster answers', () => {
    const { status, calls } = run('cluster.sh', prod);
    expect(status).toBe(0);
    expect(calls).toEqual(['kubectl --context prod get --raw /readyz']);
  });

  it('images builds multi-arch and pushes; load does nothing', () => {
    const images = run('images.sh', prod);
    expect(images.status).toBe(0);
    expect(images.calls).toContain(
      'docker buildx build --platform linux/amd64,linux/arm64 --push --build-arg SERVICE=users -t ghcr.io/me/users:1.2.3 .',
    );
    const load = run('load.sh', prod);
    expect(load.status).toBe(0);
    expect(load.calls).toEqual([]);
  });

  it('images refuses another cluster without a registry to push to', () => {
    const { status, output } = run('images.sh', { CONTEXT: 'prod' });
    expect(status).not.toBe(0);
    expect(output).toContain('CONTEXT=prod needs REGISTRY=');
  });

  it('istio installs without the kind overlay when absent', () => {
    const { calls } = run('istio.sh', prod);
    expect(calls).toContain('istioctl install --context prod -f mesh/istio/istio-operator.yaml --skip-confirmation');
  });

  it('istio leaves a different Istio version in place', () => {
    const { status, calls, output } = run('istio.sh', { ...prod, STUB_ISTIOD_IMAGE: 'gcr.io/istio/pilot:1.29.0' });
    expect(status).toBe(0);
    expect(calls.filter((call) => call.startsWith('istioctl'))).toEqual([]);
    expect(output).toContain('leaving it as it is');
  });

  it('clean refuses to touch a cluster the kit did not create', () => {
    const { status, calls, output } = run('clean.sh', prod);
    expect(status).not.toBe(0);
    expect(output).toContain('only deletes kind-mesh-kit');
    expect(calls).toEqual([]);
  });
});

describe('apply', () => {
  let work: string;
  let env: Record<string, string>;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'mesh-kit-apply-'));
    mkdirSync(join(work, 'manifests'));
    writeFileSync(
      join(work, 'manifests', '00-namespace.k8s.yaml'),
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio-injection: enabled\n',
    );
    writeFileSync(
      join(work, 'manifests', '20-data.k8s.yaml'),
      'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: postgres-init-1234abcd\n  labels:\n    mesh-kit.dev/tier: data\n',
    );
    writeFileSync(
      join(work, 'manifests', '30-orders.k8s.yaml'),
      'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: orders\n',
    );
    writeFileSync(join(work, 'secrets.yaml'), 'kind: Secret\n');
    writeFileSync(
      join(work, 'helm-manifest.yaml'),
      'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: orders\n',
    );
    env = {
      SECRETS_DIR: work,
      MANIFESTS_DIR: join(work, 'manifests'),
      STUB_HELM_MANIFEST: join(work, 'helm-manifest.yaml'),
      STUB_HELM_TEMPLATE: join(work, 'helm-manifest.yaml'),
    };
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  const applied = (calls: string[]): string[] =>
    calls
      .filter((call) => call.includes(' apply '))
      .map((call) => call.replace(work, '<work>').replace(/-f \S+namespaces\.yaml/, '-f <namespaces>'));

  it('applies namespaces, secrets, the data tier (and waits for it), then the manifests; drops replaced Jobs', () => {
    const { status, calls, output } = run('apply.sh', env);
    expect(status, output).toBe(0);
    expect(applied(calls).map((call) => call.replace(/-f \S+\/(\w+)\.yaml$/, '-f <$1>'))).toEqual([
      'kubectl --context kind-mesh-kit apply --server-side --force-conflicts --field-manager=mesh-kit -f <namespaces>',
      'kubectl --context kind-mesh-kit apply --server-side --force-conflicts --field-manager=mesh-kit -f <secrets>',
      'kubectl --context kind-mesh-kit apply --server-side --force-conflicts --field-manager=mesh-kit -f <data>',
      'kubectl --context kind-mesh-kit apply --server-side --force-conflicts --field-manager=mesh-kit -f <workloads>',
    ]);
    expect(calls).toContain(
      'kubectl --context kind-mesh-kit -n shop rollout status deployment.apps/orders --timeout=300s',
    );
    expect(calls).toContainEqual(
      expect.stringMatching(
        /^kubectl --context kind-mesh-kit -n shop get job\.batch\/postgres-init-1234abcd -o jsonpath=/,
      ),
    );
    expect(calls).toContain(
      'kubectl --context kind-mesh-kit -n shop delete job.batch/postgres-init-old --ignore-not-found',
    );
  });

  it('applies nothing when the cluster already matches (kubectl diff finds no difference)', () => {
    const { status, calls, output } = run('apply.sh', { ...env, STUB_DIFF_RC: '0' });
    expect(status).toBe(0);
    expect(applied(calls)).toEqual([]);
    expect(calls.filter((call) => call.includes(' diff --server-side'))).toHaveLength(4);
    expect(output).toContain('manifests without routes: no changes');
  });

  it('with DEPLOY_WITH=helm upgrades the release only when its manifest would change', () => {
    const unchanged = run('apply.sh', { ...env, DEPLOY_WITH: 'helm' });
    expect(unchanged.status, unchanged.output).toBe(0);
    expect(unchanged.calls.filter((call) => call.includes('upgrade'))).toEqual([]);
    expect(unchanged.output).toContain('already matches charts/mesh-kit: no changes');
    const changed = run('apply.sh', { ...env, DEPLOY_WITH: 'helm', STUB_HELM_MANIFEST: '/dev/null' });
    expect(changed.calls.filter((call) => call.includes('upgrade'))).toHaveLength(1);
    // Each service's own tag, as the images were built.
    expect(changed.calls.find((call) => call.startsWith('helm template'))).toMatch(
      /--set-string image\.tags\.orders=0\.1\.0-[0-9a-f]{12} /,
    );
  });

  it('with DEPLOY_WITH=helm hands the chart the digest of each credential file, never the file', () => {
    const credentials = '{"password":"a-password-that-must-not-leave"}';
    writeFileSync(join(work, 'orders-db.json'), credentials);
    const { status, output, calls } = run('apply.sh', { ...env, DEPLOY_WITH: 'helm', STUB_HELM_MANIFEST: '/dev/null' });
    expect(status, output).toBe(0);
    const digest = createHash('sha256').update(credentials).digest('hex');
    const helm = calls.filter((call) => /^helm .*(template|upgrade)/.test(call));
    expect(helm).toHaveLength(2);
    for (const call of helm) {
      expect(call).toContain(`--set-string credentialDigests.orders-db=${digest}`);
      expect(call).not.toContain('a-password');
    }
  });

  it('refuses to run before make secrets', () => {
    rmSync(join(work, 'secrets.yaml'));
    const { status, output } = run('apply.sh', env);
    expect(status).not.toBe(0);
    expect(output).toContain('secrets.yaml not found: run `make secrets`');
  });
});

it('undeploy deletes by the kit label only', () => {
  const { status, calls } = run('undeploy.sh');
  expect(status).toBe(0);
  const deletes = calls.filter((call) => / delete /.test(call));
  expect(deletes).toHaveLength(1);
  expect(deletes[0]).toMatch(
    / delete pods,namespaces --all-namespaces -l app\.kubernetes\.io\/part-of=mesh-kit --ignore-not-found/,
  );
});

describe('without Node on the machine (Node steps run in a container)', () => {
  // A node older than 20.19 sends node_run to its Docker fallback; uname says which host it is.
  const hostIs = (os: string): void => {
    writeFileSync(join(bin, 'node'), '#!/usr/bin/env bash\nexit 1\n');
    writeFileSync(join(bin, 'uname'), `#!/usr/bin/env bash\necho ${os}\n`);
    chmodSync(join(bin, 'node'), 0o755);
    chmodSync(join(bin, 'uname'), 0o755);
  };

  it('runs a step that needs no cluster without host networking', () => {
    hostIs('Darwin');
    const { status, calls, output } = run('token.sh');
    expect(status, output).toBe(0);
    const docker = calls.find((call) => call.startsWith('docker run'));
    expect(docker).toContain('node:24-alpine');
    expect(docker).not.toContain('--network host');
    expect(docker).not.toContain('.kube');
  });

  it('make verify on Docker Desktop asks for Node instead of failing to reach the cluster', () => {
    hostIs('Darwin');
    const { status, calls, output } = run('verify.sh');
    expect(status).not.toBe(0);
    expect(output).toContain('install Node >= 20.19');
    expect(calls.filter((call) => call.startsWith('docker run'))).toEqual([]);
  });

  it('make verify on Linux reaches the cluster through host networking', () => {
    hostIs('Linux');
    const { calls } = run('verify.sh');
    expect(calls.find((call) => call.startsWith('docker run'))).toContain('--network host');
  });
});
