import { randomUUID } from 'node:crypto';
import { evaluateDenials } from '../evaluate.js';
import { declaredRoute, declaresCall, inEgress } from '../expectations.js';
import type { Check } from './check.js';

const CALLER = 'storefront';

/**
 * From storefront's app container (its sidecar, its identity): a method it does not declare on
 * a service it calls (POST orders), and a service it does not call at all (payments).
 */
export const authorizationCheck: Check = {
  id: 'authz',
  title: 'an undeclared caller gets 403',
  async run(ctx) {
    const [pod] = await ctx.cluster.readyPods(ctx.namespace, CALLER);
    if (pod === undefined) throw new Error(`no ${CALLER} pod`);
    const targets = [
      { service: 'orders', route: declaredRoute('orders', 'POST', '/orders', ctx.catalog) },
      { service: 'payments', route: declaredRoute('payments', 'POST', '/authorizations', ctx.catalog) },
    ];
    const probes = [];
    for (const { service, route } of targets) {
      if (declaresCall(CALLER, service, route.method, ctx.catalog)) {
        throw new Error(`the catalog lets ${CALLER} ${route.method} ${service}: pick another undeclared call`);
      }
      const [result] = await ctx.cluster.probe(ctx.namespace, pod, {
        url: route.url,
        method: route.method,
        headers: { 'x-user-id': randomUUID(), 'idempotency-key': randomUUID() },
        json: {},
      });
      probes.push({
        label: `${CALLER} → ${route.method} ${service} ${route.path}`,
        result,
        outsideEgress: !inEgress(CALLER, service, ctx.catalog),
      });
    }
    return evaluateDenials(probes);
  },
};
