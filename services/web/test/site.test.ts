import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type Listening } from '../../../test-support/listen.js';
import { silentLogger } from '../../../test-support/silent-logger.js';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import { siteConfig } from '../src/site-config.js';

const INDEX = '<!doctype html><title>shop</title><script type="module" src="/assets/index-AbC123.js"></script>';
let dir: string;
let server: Listening;

const site = siteConfig(
  configSchema.parse({
    PORT: '3011',
    WEB_OIDC_ISSUER: 'https://id.example.test/auth',
    WEB_JAEGER_URL: 'http://localhost:16686/jaeger/',
  }),
);

const get = (path: string, accept = 'text/html,application/xhtml+xml', method = 'GET'): Promise<Response> =>
  fetch(`${server.url}${path}`, { method, headers: { accept } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'web-site-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'index-AbC123.js'), 'console.log(1)');
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  server = await listen(createApp({ logger: silentLogger(), staticDir: dir, site }).app);
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('web serves the shop', () => {
  it('serves index.html at / for revalidation on every visit', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toBe(INDEX);
  });

  it('caches hashed assets for a year, immutable, with their type', async () => {
    const res = await get('/assets/index-AbC123.js', '*/*');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('makes unhashed files revalidate', async () => {
    const res = await get('/favicon.svg', 'image/*');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers client routes asked for as pages with index.html, GET and HEAD', async () => {
    for (const path of ['/orders/0b9c', '/cart', '/callback']) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(await res.text()).toBe(INDEX);
    }
    const head = await get('/products/mug-001', 'text/html', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers 404 for unknown files, for assets even when a page is wanted, and for non-page requests', async () => {
    for (const [path, accept] of [
      ['/assets/index-Gone99.js', '*/*'],
      ['/assets/index-Gone99', 'text/html'],
      ['/robots.txt', 'text/html'],
      ['/orders/0b9c', 'application/json'],
      ['/orders/0b9c', '*/*'],
    ] as const) {
      const res = await get(path, accept);
      expect(res.status, `${path} (${accept})`).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  it('answers a POST to a client route with 404, never the page', async () => {
    const res = await fetch(`${server.url}/cart`, { method: 'POST', headers: { accept: 'text/html' } });
    expect(res.status).toBe(404);
  });

  it('tells the app where to sign in and where traces are, from its env, never cached', async () => {
    const res = await get('/config.json', 'application/json');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.json()).toEqual({
      issuer: 'https://id.example.test/auth',
      clientId: 'shop-web',
      scope: 'openid email offline_access',
      jaegerUrl: 'http://localhost:16686/jaeger',
      release: 'v1',
    });
  });

  it('sends a strict Content Security Policy and the other protective headers with every page and file', async () => {
    for (const res of [await get('/'), await get('/assets/index-AbC123.js', '*/*'), await get('/nope.js', '*/*')]) {
      const csp = Object.fromEntries(
        (res.headers.get('content-security-policy') ?? '').split(';').map((d) => {
          const [name = '', ...values] = d.trim().split(/\s+/);
          return [name, values.join(' ')];
        }),
      );
      expect(csp).toEqual({
        'default-src': "'self'",
        'script-src': "'self'",
        'script-src-attr': "'none'",
        'style-src': "'self'",
        'img-src': "'self' data:",
        'font-src': "'self'",
        'connect-src': "'self' https://id.example.test",
        'form-action': "'self' https://id.example.test",
        'frame-ancestors': "'none'",
        'base-uri': "'none'",
        'object-src': "'none'",
      });
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('keeps the service routes: /readyz answers', async () => {
    expect((await get('/readyz', 'application/json')).status).toBe(200);
  });
});

describe('web config', () => {
  it('names the variable of a bad issuer', () => {
    const parsed = configSchema.safeParse({ PORT: '3011', WEB_OIDC_ISSUER: 'ftp://x' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['WEB_OIDC_ISSUER']);
  });
});
