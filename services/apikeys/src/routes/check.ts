import { Router } from 'express';
import { HttpProblem } from '@mesh-kit/runtime';
import type { CheckSettings } from '../config.js';
import { decide } from '../decision.js';
import type { KeyStore } from '../key-store.js';

/**
 * Envoy's HTTP ext_authz protocol: the gateway sends the client request's method, its path under
 * the provider's pathPrefix and the headers the provider includes; 200 allows (and the gateway
 * copies headersToUpstreamOnAllow), anything else is the answer the client gets.
 */
export function checkRouter(settings: CheckSettings, store: KeyStore): Router {
  const router = Router();
  router.all(/.*/, async (req, res) => {
    if (req.path !== settings.pathPrefix && !req.path.startsWith(`${settings.pathPrefix}/`)) {
      throw new HttpProblem(404, `No check under ${req.path}.`);
    }
    const decision = await decide(
      settings,
      { method: req.method, path: req.path.slice(settings.pathPrefix.length) || '/', header: (n) => req.get(n) },
      (key) => store.findActive(key),
    );
    if (decision.status === 200) {
      res.set(decision.headers).status(200).end();
      return;
    }
    if (decision.challenge === true) res.set('www-authenticate', `ApiKey header="${settings.keyHeader}"`);
    throw new HttpProblem(decision.status, decision.detail, {
      ...(decision.status === 403 ? { title: 'Forbidden' } : {}),
      ...(decision.field === undefined ? {} : { errors: [{ field: decision.field, message: decision.detail }] }),
    });
  });
  return router;
}
