import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '@mesh-kit/catalog';
import { GATEWAY_CA_FILE, ensureGatewayTls } from '../scripts/secrets.js';
import { gatewayObjects, stackCatalog } from '../scripts/stack/gateway-objects.js';
import { type LocalGateway, startGateway } from '../scripts/stack/gateway.js';

// `npm run stack`'s gateway serves HTTPS too, with the certificate `make secrets` makes, and sends
// the HSTS header the cluster's HTTPS route configuration adds — on HTTPS answers only.
let dir: string;
let gateway: LocalGateway;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stack-https-'));
  const tls = await ensureGatewayTls(dir);
  gateway = await startGateway({
    objects: gatewayObjects(stackCatalog(catalog, 0), dir),
    host: '127.0.0.1',
    port: 0,
    identityHeader: catalog.ingress.jwt.identityHeader,
    providers: {},
    upstream: () => undefined,
    tls: { cert: tls['tls.crt']!, key: tls['tls.key']!, port: 0 },
  });
});

afterAll(async () => {
  await gateway.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the local gateway over HTTPS', () => {
  it('answers over TLS for localhost, trusted through the CA alone, with Strict-Transport-Security', async () => {
    const url = new URL(gateway.httpsUrl!);
    const answer = await new Promise<{ status: number; hsts: unknown; authorized: boolean }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: url.port,
          path: '/api/orders',
          servername: 'localhost',
          ca: readFileSync(join(dir, GATEWAY_CA_FILE)),
        },
        (res) => {
          res.resume();
          resolve({
            status: res.statusCode ?? 0,
            hsts: res.headers['strict-transport-security'],
            authorized: (res.socket as { authorized?: boolean }).authorized ?? false,
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
    // No token: the gateway's own 401, as over HTTP.
    expect(answer).toEqual({ status: 401, hsts: `max-age=${catalog.ingress.tls.hstsMaxAgeSeconds}`, authorized: true });
  });

  it('sends no HSTS over plain HTTP', async () => {
    const res = await fetch(`${gateway.url.replace('localhost', '127.0.0.1')}/api/orders`);
    expect(res.status).toBe(401);
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });
});
