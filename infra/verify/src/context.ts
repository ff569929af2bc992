import { TokenSigner } from '../../../services/loadgen/src/token-signer.js';
import type { Cluster, Forward } from './cluster.js';
import { ingress } from './expectations.js';
import { Gateway } from './gateway.js';

/** Where the kit's pieces live in the cluster (set by the cdk8s app and the Istio install). */
/** Istio's Jaeger addon (samples/addons/jaeger.yaml) serves its query API under `base_path: /jaeger`. */
export const TRACING = { namespace: 'istio-system', service: 'tracing', port: 80, basePath: '/jaeger' } as const;
/** The Secret `make secrets` creates with the key that signs loadgen's JWTs. */
export const JWT_SECRET = { name: 'loadgen-jwt', key: 'private.pem' } as const;

/** What every check gets: the cluster, the shop's namespace and lazily opened shared resources. */
export class VerifyContext {
  readonly cluster: Cluster;
  readonly namespace: string;
  readonly log: (message: string) => void;
  private gatewayPromise: Promise<Gateway> | undefined;
  private readonly forwards: Forward[] = [];

  constructor(cluster: Cluster, namespace: string, log: (message: string) => void) {
    this.cluster = cluster;
    this.namespace = namespace;
    this.log = log;
  }

  /** The ingress gateway through a port-forward, with loadgen's signing key read from its Secret. */
  gateway(): Promise<Gateway> {
    this.gatewayPromise ??= (async () => {
      const secret = await this.cluster.core.readNamespacedSecret({ name: JWT_SECRET.name, namespace: this.namespace });
      const pem = secret.data?.[JWT_SECRET.key];
      if (pem === undefined) {
        throw new Error(`secret ${this.namespace}/${JWT_SECRET.name} has no key ${JWT_SECRET.key} (run make secrets)`);
      }
      const target = ingress();
      const signer = new TokenSigner({
        privateKeyPem: Buffer.from(pem, 'base64').toString('utf8'),
        issuer: target.issuer,
        audience: target.audience,
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
    let outcome: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      await this.cluster.waitForRollout(this.namespace, deployment, rollout);
      outcome = { ok: true, value: await body() };
    } catch (error) {
      outcome = { ok: false, error };
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
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  async close(): Promise<void> {
    await Promise.all(this.forwards.map((f) => f.close()));
  }
}
