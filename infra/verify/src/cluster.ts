import { createServer, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import {
  ApiException,
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  Exec,
  KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  PortForward,
  setHeaderOptions,
  type V1Pod,
  type V1Status,
} from '@kubernetes/client-node';
import { parseProbeOutput, probeCommand, type ProbeResult, type ProbeSpec } from './probe.js';

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface Forward {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

const PROXY = 'istio-proxy';
/** The longest exec a check runs (a burst of slow calls); a hung session fails the check instead of the suite. */
const EXEC_LIMIT_MS = 180_000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The thin layer over @kubernetes/client-node that the checks use; it holds no judgement. */
export class Cluster {
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly autoscaling: AutoscalingV2Api;
  readonly networking: NetworkingV1Api;

  constructor(kc: KubeConfig) {
    this.kc = kc;
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.autoscaling = kc.makeApiClient(AutoscalingV2Api);
    this.networking = kc.makeApiClient(NetworkingV1Api);
  }

  /** What a HorizontalPodAutoscaler reports now: replicas and the CPU use it measured, if any. */
  async autoscalerStatus(
    namespace: string,
    name: string,
  ): Promise<{ currentReplicas: number; desiredReplicas: number; cpuPercent?: number }> {
    const hpa = await this.autoscaling.readNamespacedHorizontalPodAutoscaler({ name, namespace });
    const cpu = hpa.status?.currentMetrics?.find((m) => m.resource?.name === 'cpu')?.resource?.current
      .averageUtilization;
    return {
      currentReplicas: hpa.status?.currentReplicas ?? 0,
      desiredReplicas: hpa.status?.desiredReplicas ?? 0,
      ...(cpu === undefined ? {} : { cpuPercent: cpu }),
    };
  }

  /** The current kube context, as kubectl would use it (KUBECONFIG, ~/.kube/config, or in-cluster). */
  static fromDefault(): Cluster {
    const kc = new KubeConfig();
    kc.loadFromDefault();
    const current = kc.getCurrentCluster();
    // With no kubeconfig and not in a pod, client-node falls back to http://localhost:8080.
    if (
      current === null ||
      (kc.getCurrentContext() === 'loaded-context' && current.server === 'http://localhost:8080')
    ) {
      throw new Error('no kube context: point KUBECONFIG or ~/.kube/config at the cluster (make deploy does for kind)');
    }
    return new Cluster(kc);
  }

  get context(): string {
    return this.kc.getCurrentContext();
  }

  /** Fails with one clear message when the API server cannot be reached or the namespace is missing. */
  async preflight(namespace: string): Promise<void> {
    try {
      await this.core.readNamespace({ name: namespace });
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) {
        throw new Error(`namespace ${namespace} does not exist in context ${this.context}: run make deploy first`, {
          cause: error,
        });
      }
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`cannot reach the API server of context ${this.context}: ${reason}`, { cause: error });
    }
  }

  async pods(namespace: string, labelSelector?: string): Promise<V1Pod[]> {
    const list = await this.core.listNamespacedPod({
      namespace,
      ...(labelSelector === undefined ? {} : { labelSelector }),
    });
    return list.items;
  }

  /** The Running, Ready pods with label `app=<app>`; throws naming the app when there is none. */
  async readyPods(namespace: string, app: string): Promise<V1Pod[]> {
    const pods = (await this.pods(namespace, `app=${app}`)).filter(
      (p) =>
        p.status?.phase === 'Running' &&
        p.metadata?.deletionTimestamp === undefined &&
        p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    if (pods.length === 0) throw new Error(`no ready pod with app=${app} in namespace ${namespace}`);
    return pods;
  }

  async exec(namespace: string, pod: string, container: string, command: readonly string[]): Promise<ExecResult> {
    let stdout = '';
    let stderr = '';
    const sink = (append: (text: string) => void): Writable =>
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          append(chunk.toString('utf8'));
          done();
        },
      });
    const status = await new Promise<V1Status>((resolve, reject) => {
      const limit = setTimeout(
        () => reject(new Error(`exec in ${pod}/${container} did not finish in ${EXEC_LIMIT_MS} ms`)),
        EXEC_LIMIT_MS,
      );
      const settle = (s: V1Status): void => {
        clearTimeout(limit);
        resolve(s);
      };
      new Exec(this.kc)
        .exec(
          namespace,
          pod,
          container,
          [...command],
          sink((t) => (stdout += t)),
          sink((t) => (stderr += t)),
          null,
          false,
          settle,
        )
        .then(
          (ws) => {
            ws.on('error', (error: Error) => {
              clearTimeout(limit);
              reject(error);
            });
            // The status frame arrives before the close; a close without one is a broken session.
            ws.on('close', () =>
              setTimeout(() => settle({ status: 'Failure', message: 'exec closed without an exit status' }), 200),
            );
          },
          (error: unknown) => {
            clearTimeout(limit);
            reject(error instanceof Error ? error : new Error(String(error)));
          },
        );
    });
    const exitCause = status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
    const exitCode = status.status === 'Success' ? 0 : Number(exitCause ?? 1);
    if (exitCause === undefined && status.status !== 'Success' && status.message !== undefined) {
      stderr += `${stderr === '' ? '' : '\n'}${status.message}`;
    }
    return { stdout, stderr, exitCode };
  }

  /** Runs the probe script in a pod's app container, so the calls leave through its sidecar. */
  async probe(namespace: string, pod: V1Pod, spec: ProbeSpec): Promise<ProbeResult[]> {
    const name = pod.metadata?.name ?? '';
    const result = await this.exec(namespace, name, appContainer(pod), probeCommand(spec));
    if (result.exitCode !== 0)
      throw new Error(`probe in ${name} exited ${result.exitCode}: ${result.stderr.slice(0, 300)}`);
    return parseProbeOutput(result.stdout);
  }

  /** Envoy's admin API through pilot-agent (`stats`, `clusters`), read in the pod's istio-proxy. */
  async proxyAdmin(namespace: string, pod: string, path: 'stats' | 'clusters'): Promise<string> {
    const result = await this.exec(namespace, pod, PROXY, ['pilot-agent', 'request', 'GET', path]);
    if (result.exitCode !== 0)
      throw new Error(`pilot-agent request GET ${path} in ${pod} failed: ${result.stderr.slice(0, 300)}`);
    return result.stdout;
  }

  async proxyLog(namespace: string, pod: string, sinceSeconds: number): Promise<string> {
    return this.core.readNamespacedPodLog({ name: pod, namespace, container: PROXY, sinceSeconds });
  }

  /**
   * Forwards 127.0.0.1:<random> to a Service port, the way `kubectl port-forward svc/…` does:
   * through one ready pod behind the Service, on the port the Service targets.
   */
  async forwardService(namespace: string, service: string, port: number): Promise<Forward> {
    const svc = await this.core.readNamespacedService({ name: service, namespace });
    const servicePort = svc.spec?.ports?.find((p) => p.port === port);
    if (servicePort === undefined) throw new Error(`service ${namespace}/${service} has no port ${port}`);
    const selector = Object.entries(svc.spec?.selector ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const pod = (await this.pods(namespace, selector)).find((p) => p.status?.phase === 'Running');
    if (pod === undefined) throw new Error(`no running pod behind service ${namespace}/${service}`);
    const target = servicePort.targetPort ?? port;
    const targetPort =
      typeof target === 'number'
        ? target
        : pod.spec?.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === target)?.containerPort;
    if (targetPort === undefined)
      throw new Error(`service ${namespace}/${service}: cannot resolve target port '${target}'`);

    const forward = new PortForward(this.kc);
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      forward
        .portForward(namespace, pod.metadata?.name ?? '', [targetPort], socket, null, socket)
        .catch((error: unknown) => socket.destroy(error instanceof Error ? error : new Error(String(error))));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const local = typeof address === 'object' && address !== null ? address.port : 0;
    return {
      url: `http://127.0.0.1:${local}`,
      close: () =>
        new Promise((resolve) => {
          server.close(() => resolve());
          for (const socket of sockets) socket.destroy();
        }),
    };
  }

  /**
   * Sets env variables on a Deployment's app container (strategic merge, matched by name) and
   * returns the values they had, for the caller to restore. `undefined` removes a variable.
   */
  async setDeploymentEnv(
    namespace: string,
    name: string,
    env: Readonly<Record<string, string | undefined>>,
  ): Promise<Record<string, string | undefined>> {
    const deployment = await this.apps.readNamespacedDeployment({ name, namespace });
    const container = deployment.spec?.template.spec?.containers.find((c) => c.name !== PROXY);
    if (container === undefined) throw new Error(`deployment ${namespace}/${name} has no app container`);
    const previous: Record<string, string | undefined> = {};
    for (const key of Object.keys(env)) previous[key] = container.env?.find((e) => e.name === key)?.value;
    const patch = {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: container.name,
                env: Object.entries(env).map(([key, value]) =>
                  value === undefined ? { name: key, $patch: 'delete' } : { name: key, value },
                ),
              },
            ],
          },
        },
      },
    };
    await this.apps.patchNamespacedDeployment(
      { name, namespace, body: patch },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    return previous;
  }

  /** Waits until every replica runs the latest template and is available, like `kubectl rollout status`. */
  async waitForRollout(namespace: string, name: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const d = await this.apps.readNamespacedDeployment({ name, namespace });
      const want = d.spec?.replicas ?? 1;
      const s = d.status;
      const done =
        (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
        s?.updatedReplicas === want &&
        s.availableReplicas === want &&
        (s.replicas ?? 0) === want;
      if (done) {
        await this.waitForOldPodsGone(namespace, d.spec?.selector.matchLabels ?? {}, want, deadline);
        return;
      }
      if (Date.now() > deadline)
        throw new Error(`deployment ${namespace}/${name} did not finish rolling out in ${timeoutMs} ms`);
      await sleep(1_000);
    }
  }

  /** Deletes a pod at once; one that is gone already is fine. */
  async deletePod(namespace: string, name: string): Promise<void> {
    await ignoreNotFound(this.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }));
  }

  async deleteNamespace(name: string): Promise<void> {
    await ignoreNotFound(this.core.deleteNamespace({ name }));
  }

  /** Waits for a pod to reach one of the phases (or Ready, for `Ready`). */
  async waitForPod(namespace: string, name: string, until: 'Ready' | 'Finished', timeoutMs: number): Promise<V1Pod> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pod = await this.core.readNamespacedPod({ name, namespace });
      const phase = pod.status?.phase;
      if (until === 'Finished' && (phase === 'Succeeded' || phase === 'Failed')) return pod;
      if (until === 'Ready' && pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
        return pod;
      if (Date.now() > deadline)
        throw new Error(`pod ${namespace}/${name} not ${until} after ${timeoutMs} ms (phase ${phase ?? '?'})`);
      await sleep(1_000);
    }
  }

  private async waitForOldPodsGone(
    namespace: string,
    labels: Readonly<Record<string, string>>,
    want: number,
    deadline: number,
  ): Promise<void> {
    const selector = Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    for (;;) {
      const pods = await this.pods(namespace, selector);
      if (pods.length <= want) return;
      if (Date.now() > deadline) return; // terminating pods left the endpoints already
      await sleep(1_000);
    }
  }
}

/** The container that runs the service (not the sidecar). */
export function appContainer(pod: V1Pod): string {
  const name = pod.spec?.containers.find((c) => c.name !== PROXY)?.name;
  if (name === undefined) throw new Error(`pod ${pod.metadata?.name ?? '?'} has no app container`);
  return name;
}

async function ignoreNotFound(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return;
    throw error;
  }
}
