import { describe, expect, it } from 'vitest';
import { type Catalog, catalog } from '@mesh-kit/catalog';
import { find, synthObjects } from './support/shop.js';

// Finding (issue 20, item 1, static): the Gateway served only HTTP on port 80, so tokens and API keys
// crossed the network in clear text beyond kind. Checked on the synthesized manifests.
const objects = synthObjects();
const { tls } = catalog.ingress;
const servers = (objs = objects) =>
  (
    find(objs, 'Gateway', 'shop-gateway').spec as {
      servers: { port: { name: string; protocol: string }; tls?: Record<string, unknown> }[];
    }
  ).servers;

describe('HTTPS at the gateway', () => {
  it('serves HTTPS with the certificate of the Secret credentialName, and redirects HTTP by default', () => {
    expect(servers()).toEqual([
      { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'], tls: { httpsRedirect: true } },
      {
        port: { number: tls.port, name: 'https', protocol: 'HTTPS' },
        hosts: ['*'],
        tls: { mode: 'SIMPLE', credentialName: tls.credentialName },
      },
    ]);
    expect(tls).toMatchObject({ port: 443, credentialName: 'mesh-kit-gateway-tls', httpsRedirect: true });
  });

  it('without the redirect (kind: HTTPS_REDIRECT=false) plain HTTP is still served beside HTTPS', () => {
    const kind: Catalog = { ...catalog, ingress: { ...catalog.ingress, tls: { ...tls, httpsRedirect: false } } };
    const [http, https] = servers(synthObjects(kind));
    expect(http).toEqual({ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] });
    expect(https!.tls).toEqual({ mode: 'SIMPLE', credentialName: tls.credentialName });
  });

  it('adds Strict-Transport-Security to the HTTPS route configuration only', () => {
    const filter = find(objects, 'EnvoyFilter', 'shop-hsts');
    expect(filter.metadata.namespace).toBe(catalog.ingress.namespace);
    expect(filter.spec).toEqual({
      workloadSelector: { labels: catalog.ingress.selector },
      configPatches: [
        {
          applyTo: 'ROUTE_CONFIGURATION',
          // Istio names the HTTPS server's routes https.443.https.shop-gateway.shop and the HTTP
          // server's http.8080: only the first has a port name and a gateway to match.
          match: { context: 'GATEWAY', routeConfiguration: { portName: 'https', gateway: 'shop/shop-gateway' } },
          patch: {
            operation: 'MERGE',
            value: {
              response_headers_to_add: [
                {
                  header: { key: 'strict-transport-security', value: `max-age=${tls.hstsMaxAgeSeconds}` },
                  append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
                },
              ],
            },
          },
        },
      ],
    });
    // The server the patch names is the Gateway's HTTPS server.
    expect(servers().find((s) => s.port.name === 'https')!.port.protocol).toBe('HTTPS');
    expect(tls.hstsMaxAgeSeconds).toBeGreaterThanOrEqual(31_536_000);
  });

  it('the ingress VirtualService stays bound to the one Gateway, so both servers route alike', () => {
    const vs = find(objects, 'VirtualService', 'shop-ingress');
    expect((vs.spec as { gateways: string[] }).gateways).toEqual(['shop-gateway']);
  });
});
