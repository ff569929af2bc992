import { randomBytes } from 'node:crypto';
import { PART_OF } from '../../../cdk8s/src/mesh-names.js';
import { evaluateMtls } from '../evaluate.js';
import { declaredRoute } from '../expectations.js';
import { parseProbeOutput, probeCommand, type ProbeResult } from '../probe.js';
import type { Check } from './check.js';

const MISSING_USER = '/users/00000000-0000-4000-8000-000000000000';

/**
 * A throwaway namespace without injection runs a pod (the storefront image, which has node)
 * that calls users in plaintext; STRICT mTLS must refuse it. The same call from storefront's
 * app container, through its sidecar, is the control. The namespace is deleted afterwards.
 */
export const mtlsCheck: Check = {
  id: 'mtls',
  title: 'STRICT mTLS: plaintext from outside the mesh fails',
  async run(ctx) {
    const route = declaredRoute('users', 'GET', '/users/:id', ctx.catalog);
    const url = route.url.replace('/users/:id', MISSING_USER);
    const [storefront] = await ctx.cluster.readyPods(ctx.namespace, 'storefront');
    if (storefront === undefined) throw new Error('no storefront pod');
    const image = storefront.spec?.containers.find((c) => c.name !== 'istio-proxy')?.image;
    if (image === undefined) throw new Error('cannot read the storefront image');

    const fromMesh = await ctx.cluster.probe(ctx.namespace, storefront, { url });

    const namespace = `mesh-kit-verify-${randomBytes(3).toString('hex')}`;
    const pod = 'plaintext-probe';
    await ctx.cluster.core.createNamespace({
      body: {
        metadata: {
          name: namespace,
          labels: {
            ...PART_OF,
            'istio-injection': 'disabled',
            'pod-security.kubernetes.io/enforce': 'restricted',
          },
        },
      },
    });
    // The namespace's NetworkPolicies would drop the probe before it reaches users' sidecar, which
    // would prove the default deny, not STRICT mTLS: for the length of the check, one extra policy
    // admits the probe's namespace (and nothing else) to users' port (docs/security.md).
    const admission = `verify-mtls-${namespace.slice(-6)}`;
    await ctx.cluster.networking.createNamespacedNetworkPolicy({
      namespace: ctx.namespace,
      body: {
        metadata: { name: admission, labels: PART_OF },
        spec: {
          podSelector: { matchLabels: { app: 'users' } },
          policyTypes: ['Ingress'],
          ingress: [
            {
              _from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } }],
              ports: [{ protocol: 'TCP', port: Number(new URL(url).port) }],
            },
          ],
        },
      },
    });
    let plaintext: ProbeResult | undefined;
    try {
      const [command, ...args] = probeCommand({ url });
      await ctx.cluster.core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name: pod, labels: PART_OF },
          spec: {
            restartPolicy: 'Never',
            securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'probe',
                image,
                imagePullPolicy: 'IfNotPresent',
                command: [command as string],
                args,
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              },
            ],
          },
        },
      });
      await ctx.cluster.waitForPod(namespace, pod, 'Finished', 120_000);
      const log = await ctx.cluster.core.readNamespacedPodLog({ name: pod, namespace });
      plaintext = parseProbeOutput(log)[0];
    } finally {
      await ctx.cluster.networking
        .deleteNamespacedNetworkPolicy({ name: admission, namespace: ctx.namespace })
        .catch(() => undefined);
      await ctx.cluster.deleteNamespace(namespace);
    }
    return evaluateMtls(plaintext, fromMesh[0]);
  },
};
