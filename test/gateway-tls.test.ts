import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpsRequest, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { catalog } from '@mesh-kit/catalog';
import { GATEWAY_CA_FILE, GATEWAY_TLS_FILE, ensureGatewayTls, gatewayTlsManifest } from '../scripts/secrets.js';

// Finding (issue 20, item 1): the gateway served only HTTP. `make secrets` now makes a local CA and a
// certificate for localhost that the gateway's HTTPS server uses; here a real TLS server with that
// certificate is reached by a client that trusts only the CA.
let dir: string;
let tls: Record<string, string>;
let ca: string;
let server: ReturnType<typeof createServer>;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gateway-tls-'));
  tls = { ...(await ensureGatewayTls(dir)) };
  ca = readFileSync(join(dir, GATEWAY_CA_FILE), 'utf8');
  server = createServer({ cert: tls['tls.crt'], key: tls['tls.key'] }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const get = (options: { servername?: string; ca?: string }) =>
  new Promise<{ status: number; authorized: boolean }>((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port, path: '/', ...options, ...(options.ca === undefined ? {} : { ca: options.ca }) },
      (res) => {
        res.resume();
        resolve({
          status: res.statusCode ?? 0,
          authorized: (res.socket as { authorized?: boolean }).authorized ?? false,
        });
      },
    );
    req.on('error', reject);
    req.end();
  });

describe('make secrets: a local CA and a certificate for localhost the gateway serves', () => {
  it('a client trusting only the CA completes the handshake for localhost and for 127.0.0.1', async () => {
    expect(await get({ servername: 'localhost', ca })).toEqual({ status: 200, authorized: true });
    expect(await get({ ca })).toEqual({ status: 200, authorized: true }); // the IP address SAN
  });

  it('a client that does not trust the CA, or asks for another name, is refused', async () => {
    await expect(get({ servername: 'localhost' })).rejects.toThrow(/certificate/i);
    await expect(get({ servername: 'shop.example.com', ca })).rejects.toThrow(/altnames|does not match/i);
  });

  it('offers TLS 1.3 with the certificate the CA signed (node:tls)', async () => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    expect(socket.authorized).toBe(true);
    expect(socket.getProtocol()).toBe('TLSv1.3');
    const peer = socket.getPeerCertificate();
    expect(peer.subjectaltname).toBe('DNS:localhost, IP Address:127.0.0.1');
    expect(new Date(peer.valid_to).getTime() - new Date(peer.valid_from).getTime()).toBeLessThanOrEqual(
      398 * 86_400_000,
    );
    socket.end();
  });

  it('openssl verifies the certificate against the CA', () => {
    const certFile = join(dir, 'cert.pem');
    writeFileSync(certFile, tls['tls.crt']!);
    const out = execFileSync(
      'openssl',
      ['verify', '-CAfile', join(dir, GATEWAY_CA_FILE), '-purpose', 'sslserver', certFile],
      {
        encoding: 'utf8',
      },
    );
    expect(out.trim()).toBe(`${certFile}: OK`);
  });

  it('keeps what exists: a second run changes nothing; the key file is private', async () => {
    expect(await ensureGatewayTls(dir)).toEqual(tls);
    expect(readFileSync(join(dir, GATEWAY_CA_FILE), 'utf8')).toBe(ca);
    expect(statSync(join(dir, GATEWAY_TLS_FILE)).mode & 0o077).toBe(0);
  });

  it("becomes a kubernetes.io/tls Secret in the gateway's namespace, named as the Gateway's credentialName, without ca.crt", () => {
    const secret = parse(gatewayTlsManifest(tls)) as {
      type: string;
      metadata: { name: string; namespace: string };
      data: Record<string, string>;
    };
    expect(secret.type).toBe('kubernetes.io/tls');
    expect(secret.metadata).toMatchObject({
      name: catalog.ingress.tls.credentialName,
      namespace: catalog.ingress.namespace,
    });
    // A ca.crt beside them would make Istio demand client certificates (mutual TLS).
    expect(Object.keys(secret.data).sort()).toEqual(['tls.crt', 'tls.key']);
    expect(Buffer.from(secret.data['tls.crt']!, 'base64').toString()).toBe(tls['tls.crt']);
  });
});
