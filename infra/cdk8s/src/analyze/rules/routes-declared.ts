import { ANNOTATION } from '../../mesh-names.js';
import { annotatedVirtualServices, answersAtProxy, type Rule } from '../model.js';

/**
 * Every route of an annotated VirtualService is covered, and rightly: a forwarding route is
 * declared in the routes annotation (or no other rule sees it), a declared route exists, and a
 * route the proxy answers itself carries no timeout or retries that would never apply.
 */
export const routesDeclared: Rule = {
  name: 'routes-declared',
  summary: 'every forwarding route is annotated, every annotated route exists, proxy answers carry no policy',
  check({ objects }) {
    const findings: string[] = [];
    for (const { vs, http, annotated } of annotatedVirtualServices(objects)) {
      const names = new Set(annotated.map((m) => m.name));
      for (const [i, r] of http.entries()) {
        const label = `VirtualService ${vs.metadata.name}: route ${r.name ?? `#${i}`}`;
        if (answersAtProxy(r)) {
          if (r.name !== undefined && names.has(r.name)) findings.push(`${label} answers at the proxy, not a service`);
          if (r.timeout !== undefined || r.retries !== undefined) {
            findings.push(`${label} answers at the proxy; its timeout and retries never apply`);
          }
        } else if (r.name === undefined || !names.has(r.name)) {
          findings.push(`${label} forwards but is not declared in ${ANNOTATION.routes}, so no check covers it`);
        }
      }
      for (const m of annotated.filter((a) => !http.some((r) => r.name === a.name))) {
        findings.push(`VirtualService ${vs.metadata.name}: annotated route ${m.name} has no http route`);
      }
    }
    return findings;
  },
};
