import { randomUUID } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import { evaluateOutlier } from '../evaluate.js';
import { parseClusterHosts } from '../envoy-stats.js';
import { breakerLimits, declaredRoute } from '../expectations.js';
import type { Check } from './check.js';
import { snapshotStats, summedDelta } from './proxy-stats.js';

const FAILING_POD = 'payments-verify-failing';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Adds one extra payments endpoint that fails every authorization (a bare pod from the
 * Deployment's template with PAYMENTS_FAILURE_RATE=1, not owned by its ReplicaSet), sends calls
 * from an orders pod, and reads that pod's Envoy `/clusters`: the endpoint must be ejected.
 * The healthy replicas keep the calls succeeding meanwhile. The pod is deleted afterwards.
 */
export const outlierCheck: Check = {
  id: 'outlier',
  title: 'a failing pod is ejected (outlier detection)',
  async run(ctx) {
    const route = declaredRoute('payments', 'POST', '/authorizations', ctx.catalog);
    const threshold = breakerLimits('payments', ctx.catalog).outlierDetection?.consecutive5xxErrors;
    if (threshold === undefined) throw new Error('the catalog declares no outlier detection for payments');
    const deployment = await ctx.cluster.apps.readNamespacedDeployment({ name: 'payments', namespace: ctx.namespace });
    const template = deployment.spec?.template;
    if (template?.spec === undefined) throw new Error('payments deployment has no pod template');
    const body: V1Pod = {
      metadata: {
        name: FAILING_POD,
        labels: { ...template.metadata?.labels, 'mesh-kit.dev/verify': 'failing-endpoint' },
        ...(template.metadata?.annotations === undefined ? {} : { annotations: template.metadata.annotations }),
      },
      spec: {
        ...template.spec,
        containers: template.spec.containers.map((c) =>
          c.name === 'istio-proxy'
            ? c
            : {
                ...c,
                env: [
                  ...(c.env ?? []).filter((e) => e.name !== 'PAYMENTS_FAILURE_RATE'),
                  { name: 'PAYMENTS_FAILURE_RATE', value: '1' },
                ],
              },
        ),
      },
    };
    await ctx.cluster.deletePod(ctx.namespace, FAILING_POD);
    await ctx.cluster.core.createNamespacedPod({ namespace: ctx.namespace, body });
    try {
      const failing = await ctx.cluster.waitForPod(ctx.namespace, FAILING_POD, 'Ready', 120_000);
      const address = `${failing.status?.podIP ?? '?'}:${route.port}`;
      await sleep(3_000); // the endpoint reaches the callers' proxies over xDS
      const [orders] = await ctx.cluster.readyPods(ctx.namespace, 'orders');
      if (orders === undefined) throw new Error('no orders pod');
      const before = await snapshotStats(ctx, [orders]);
      await ctx.cluster.probe(ctx.namespace, orders, {
        url: route.url,
        method: route.method,
        json: { orderKey: randomUUID(), userId: randomUUID(), amountCents: 100, currency: 'EUR' },
        // Enough for the failing endpoint to get its consecutive 5xx several times over.
        count: threshold * ((deployment.spec?.replicas ?? 1) + 1) * 4,
        concurrency: 2,
      });
      const cluster = ctx.outboundCluster('payments', route.port);
      const after = await snapshotStats(ctx, [orders]);
      const clusters = await ctx.cluster.proxyAdmin(ctx.namespace, orders.metadata?.name ?? '', 'clusters');
      return evaluateOutlier(
        address,
        parseClusterHosts(clusters, cluster),
        summedDelta(before, after, cluster, 'outlier_detection.ejections_enforced_total'),
      );
    } finally {
      await ctx.cluster.deletePod(ctx.namespace, FAILING_POD);
    }
  },
};
