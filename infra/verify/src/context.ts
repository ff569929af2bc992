import { TokenSigner } from '@mesh-kit/catalog/token-signer';
import { gatewayTokenSigner, jwtSecretName, type Catalog } from '@mesh-kit/catalog';
import type { Cluster, Forward } from './cluster.js';
import { outboundCluster } from './envoy-stats.js';
import { catalog, ingress } from './expectations.js';
import { Gateway } from './gateway.js';

/** Istio's Jaeger addon (samples/addons/jaeger.yaml) serves its query API under `base_path: /jaeger`. */
export const TRACING = { namespace: 'istio-system', service: 'tracing', port: 80, basePath: '/jaeger' } as const;
/**
 * What every check gets: the cluster, the catalog as deployed and lazily opened shared resources.
 * The shop's namespace (`--namespace`) replaces the catalog's, so pods, in-cluster URLs and Envoy
 * cluster names all name the namespace under test.
 */
export class VerifyContext {
  readonly cluster: Cluster;
  readonly catalog: Catalog;
  readonly log: (message: string) => void;
  private gatewayPromise: Promise<Gateway> | undefined;
  private readonly forwards: Forward[] = [];

  constructor(cluster: Cluster, namespace: string, log: (message: string) => void, source: Catalog = catalog) {
    this.cluster = cluster;
    this.catalog = { ...source, namespace };
    this.log = log;
  }

  /** The shop's namespace. */
  get namespace(): string {
    return this.catalog.namespace;
  }

  /** The name of the Envoy cluster through which sidecars call `service` on `port` in the shop's namespace. */
  outboundCluster(service: string, port: number): string {
    return outboundCluster(service, this.namespace, port);
  }

  /** The ingress gateway through a port-forward, with loadgen's signing key read from its Secret. */
  gateway(): Promise<Gateway> {
    this.gatewayPromise ??= (async () => {
      const name = jwtSecretName(gatewayTokenSigner(this.catalog), this.catalog);
      const key = this.catalog.secrets.jwtPrivateKey;
      const secret = await this.cluster.core.readNamespacedSecret({ name, namespace: this.namespace });
      const pem = secret.data?.[key];
      if (pem === undefined) throw new Error(`secret ${this.namespace}/${name} has no key ${key} (run make secrets)`);
      const target = ingress(this.catalog);
      const signer = new TokenSigner({
        privateKeyPem: Buffer.from(pem, 'base64').toString('utf8'),
        issuer: target.issuer,
        audience: target.audience,
        ...(target.subjectPrefix === undefined ? {} : { subjectPrefix: target.subjectPrefix }),
      });
      return new Gateway((await this.forward(target)).url, signer);
    })();
    return this.gatewayPromise;
  }

  async forward(target: { namespace: string; service: string; port: number }): Promise<Forward> {
    const forward = await this.cluster.forwardService(target.namespace, target.service, target.port);
    this.forwards.push(forward);
    return forward;
  }

  /** Sets env on a Deployment, waits for the rollout, runs `body`, then restores the old values and waits again. */
  async withDeploymentEnv<T>(deployment: string, env: Record<string, string>, body: () => Promise<T>): Promise<T> {
    const rollout = 180_000;
    this.log(
      `setting ${Object.entries(env)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')} on ${deployment}`,
    );
    const previous = await this.cluster.setDeploymentEnv(this.namespace, deployment, env);
    let outcome: { kind: 'value'; value: T } | { kind: 'error'; error: unknown };
    try {
      await this.cluster.waitForRollout(this.namespace, deployment, rollout);
      outcome = { kind: 'value', value: await body() };
    } catch (error) {
      outcome = { kind: 'error', error };
    }
    this.log(`restoring ${deployment}`);
    try {
      await this.cluster.setDeploymentEnv(this.namespace, deployment, previous);
      await this.cluster.waitForRollout(this.namespace, deployment, rollout);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `could not restore ${Object.keys(env).join(', ')} on ${deployment} (${reason}); make deploy resets it`,
        {
          cause: error,
        },
      );
    }
    if (outcome.kind === 'error') throw outcome.error;
    return outcome.value;
  }

  async close(): Promise<void> {
    await Promise.all(this.forwards.map((f) => f.close()));
  }
}
