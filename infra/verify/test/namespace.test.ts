import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { mtlsCheck } from '../src/checks/mtls.js';
import { sidecarsCheck } from '../src/checks/sidecars.js';
import { timeoutCheck } from '../src/checks/timeout.js';
import { Cluster } from '../src/cluster.js';
import { VerifyContext } from '../src/context.js';
import type { ProbeResult, ProbeSpec } from '../src/probe.js';
import { offlineKubeConfig } from './support/offline-kubeconfig.js';

/**
 * `verify --namespace` names the namespace under test everywhere a check looks: the pods it reads,
 * the in-cluster URLs it calls and the Envoy cluster names whose stats it reads.
 */
class RecordingCluster extends Cluster {
  readonly calls: string[] = [];

  override async pods(namespace: string): Promise<V1Pod[]> {
    this.calls.push(`pods ${namespace}`);
    return [];
  }

  override async readyPods(namespace: string, app: string): Promise<V1Pod[]> {
    this.calls.push(`readyPods ${namespace} ${app}`);
    return [{ metadata: { name: `${app}-1` }, spec: { containers: [{ name: app, image: `${app}:1` }] } }];
  }

  override async probe(namespace: string, pod: V1Pod, spec: ProbeSpec): Promise<ProbeResult[]> {
    this.calls.push(`probe ${namespace} ${pod.metadata?.name} ${spec.url}`);
    throw new Error('stop here');
  }
}

/** Runs the body of withDeploymentEnv without touching a Deployment. */
class RecordingContext extends VerifyContext {
  override withDeploymentEnv<T>(_deployment: string, _env: Record<string, string>, body: () => Promise<T>): Promise<T> {
    return body();
  }
}

function contextIn(namespace: string): { ctx: VerifyContext; cluster: RecordingCluster } {
  const cluster = new RecordingCluster(offlineKubeConfig());
  return { ctx: new RecordingContext(cluster, namespace, () => undefined), cluster };
}

describe('verify --namespace', () => {
  it('reads the pods of the namespace given', async () => {
    const { ctx, cluster } = contextIn('shop-b');
    await sidecarsCheck.run(ctx);
    expect(cluster.calls).toEqual(['pods shop-b']);
  });

  it('calls the in-cluster URLs of the namespace given', async () => {
    for (const check of [mtlsCheck, timeoutCheck]) {
      const { ctx, cluster } = contextIn('shop-b');
      await expect(check.run(ctx)).rejects.toThrow('stop here');
      const probe = cluster.calls.find((c) => c.startsWith('probe '));
      expect(probe).toMatch(/^probe shop-b \S+ http:\/\/[a-z]+\.shop-b\.svc\.cluster\.local:\d+\//);
      expect(cluster.calls.every((c) => c.split(' ')[1] === 'shop-b')).toBe(true);
    }
  });

  it('names the Envoy clusters of the namespace given', () => {
    expect(contextIn('shop-b').ctx.outboundCluster('payments', 3002)).toBe(
      'outbound|3002||payments.shop-b.svc.cluster.local',
    );
    expect(contextIn('shop-c').ctx.catalog.namespace).toBe('shop-c');
  });
});
