import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Router } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createServiceApp } from '@mesh-kit/runtime';
import { catalog } from '@mesh-kit/catalog';
import { silentLogger } from '../../../test-support/silent-logger.js';
import { type KubeObject, ofKind, synthObjects } from './support/shop.js';
import { podSpecOf } from './support/pod-security.js';

type Json = Record<string, unknown>;
interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  ports?: { name?: string; containerPort: number }[];
  startupProbe?: { httpGet?: { path: string; port: number } };
  readinessProbe?: { httpGet?: { path: string; port: number } };
  livenessProbe?: { httpGet?: { path: string; port: number } };
}

const objects = synthObjects();
const ns = catalog.namespace;
const workloads = objects.filter((o) => podSpecOf(o) !== undefined);
const services = ofKind(objects, 'Service');
const podLabelsOf = (o: KubeObject): Record<string, string> =>
  (o.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
const containersOf = (o: KubeObject): Container[] => podSpecOf(o)!.containers as Container[];
const selects = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);
const selectsSomePod = (selector: Record<string, string>, namespace: string): boolean =>
  workloads.some((w) => w.metadata.namespace === namespace && selects(selector, podLabelsOf(w)));

/** `name.ns.svc.cluster.local` → the Service object and its port numbers. */
function serviceByHost(host: string): { object: KubeObject; ports: number[] } | undefined {
  const match = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local$/.exec(host);
  if (match === null) return undefined;
  const object = services.find((s) => s.metadata.name === match[1] && s.metadata.namespace === match[2]);
  if (object === undefined) return undefined;
  return { object, ports: (object.spec as { ports: { port: number }[] }).ports.map((p) => p.port) };
}

describe('cross-references', () => {
  it('every Service selects the pods of a workload', () => {
    for (const service of services) {
      const selector = (service.spec as { selector: Record<string, string> }).selector;
      expect(selectsSomePod(selector, service.metadata.namespace!), service.metadata.name).toBe(true);
    }
  });

  it('every Deployment and StatefulSet selector matches its own pod template, which carries app and version', () => {
    for (const w of workloads.filter((o) => o.kind !== 'Job')) {
      const selector = (w.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
      expect(selects(selector, podLabelsOf(w)), w.metadata.name).toBe(true);
      expect(Object.keys(podLabelsOf(w))).toEqual(expect.arrayContaining(['app', 'version']));
    }
  });

  it('VirtualService and DestinationRule hosts are Services, destinations name their ports', () => {
    for (const vs of ofKind(objects, 'VirtualService')) {
      const spec = vs.spec as {
        hosts: string[];
        gateways?: string[];
        http: { route?: { destination: { host: string; port: { number: number } } }[] }[];
      };
      if (spec.gateways === undefined) for (const host of spec.hosts) expect(serviceByHost(host), host).toBeDefined();
      for (const route of spec.http) {
        for (const { destination } of route.route ?? []) {
          expect(serviceByHost(destination.host)?.ports, destination.host).toContain(destination.port.number);
        }
      }
    }
    for (const dr of ofKind(objects, 'DestinationRule')) {
      expect(serviceByHost((dr.spec as { host: string }).host), dr.metadata.name).toBeDefined();
    }
  });

  it('the ingress VirtualService is bound to the Gateway, which selects the catalog ingress gateway', () => {
    const [gateway] = ofKind(objects, 'Gateway');
    expect((gateway!.spec as { selector: Json }).selector).toEqual(catalog.ingress.selector);
    const ingress = ofKind(objects, 'VirtualService').filter((v) => (v.spec as Json).gateways !== undefined);
    expect(ingress).toHaveLength(1);
    expect((ingress[0]!.spec as { gateways: string[] }).gateways).toEqual([gateway!.metadata.name]);
  });

  it('AuthorizationPolicy principals are ServiceAccounts of declared callers (or the ingress gateway)', () => {
    const accounts = new Set(
      ofKind(objects, 'ServiceAccount').map((sa) => `cluster.local/ns/${sa.metadata.namespace}/sa/${sa.metadata.name}`),
    );
    const gateway = `cluster.local/ns/${catalog.ingress.namespace}/sa/${catalog.ingress.serviceAccount}`;
    for (const policy of ofKind(objects, 'AuthorizationPolicy').filter((p) => p.metadata.namespace === ns)) {
      const spec = policy.spec as {
        selector?: { matchLabels: Record<string, string> };
        rules?: { from: { source: { principals: string[] } }[] }[];
      };
      if (spec.rules === undefined) continue; // deny-all
      expect(selectsSomePod(spec.selector!.matchLabels, ns), policy.metadata.name).toBe(true);
      const target = spec.selector!.matchLabels.app!;
      const declared = new Set([
        ...catalog.services
          .filter((s) => s.calls.some((c) => c.service === target))
          .map((s) => `cluster.local/ns/${ns}/sa/${s.name}`),
        ...(target === 'postgres'
          ? catalog.services
              .filter((s) => s.database !== undefined)
              .map((s) => `cluster.local/ns/${ns}/sa/${s.name}`)
              .concat(`cluster.local/ns/${ns}/sa/postgres-init`)
          : []),
        ...(target === 'nats'
          ? catalog.services
              .filter((s) => s.publishes.length + s.consumes.length > 0)
              .map((s) => `cluster.local/ns/${ns}/sa/${s.name}`)
              .concat(`cluster.local/ns/${ns}/sa/broker-bootstrap`)
          : []),
        ...(catalog.services.find((s) => s.name === target)?.gateway.length ? [gateway] : []),
        // The ext_authz service answers the gateway's checks on API-key routes.
        ...(target === catalog.ingress.apiKeys.service ? [gateway] : []),
      ]);
      for (const rule of spec.rules) {
        for (const p of rule.from.flatMap((f) => f.source.principals)) {
          expect(declared.has(p), `${policy.metadata.name} admits ${p}`).toBe(true);
          expect(p === gateway || accounts.has(p), `${p} is a ServiceAccount`).toBe(true);
        }
      }
    }
  });

  it('every Sidecar selects pods and lists only Services (or the collector and gateway) as egress', () => {
    for (const sidecar of ofKind(objects, 'Sidecar')) {
      const spec = sidecar.spec as {
        workloadSelector: { labels: Record<string, string> };
        egress: { hosts: string[] }[];
      };
      expect(selectsSomePod(spec.workloadSelector.labels, ns), sidecar.metadata.name).toBe(true);
      for (const host of spec.egress.flatMap((e) => e.hosts)) {
        if (host.startsWith('./')) expect(serviceByHost(host.slice(2)), host).toBeDefined();
        else
          expect([
            catalog.telemetry.collectorHost,
            `${catalog.ingress.namespace}/${catalog.ingress.service}`,
          ]).toContain(host);
      }
    }
  });

  it('env URLs point at existing Service ports', () => {
    for (const w of workloads) {
      for (const c of containersOf(w)) {
        for (const e of c.env ?? []) {
          if (e.value === undefined || !/^[a-z]+:\/\//.test(e.value)) continue;
          const url = new URL(e.value);
          const port =
            url.port === ''
              ? ({ 'http:': 80, 'https:': 443 } as Record<string, number>)[url.protocol]
              : Number(url.port);
          if (url.hostname === catalog.ingress.service) {
            expect(port).toBe(catalog.ingress.port);
            continue;
          }
          // An identity provider's issuer is the URL browsers reach it at, through the gateway.
          if (e.name === 'IDENTITY_ISSUER') {
            expect(catalog.ingress.jwt.issuers.map((i) => i.issuer)).toContain(e.value);
            continue;
          }
          // web hands these to the browser: the provider through the gateway's port-forward, Jaeger through `make jaeger`.
          if (e.name === 'WEB_OIDC_ISSUER' || e.name === 'WEB_JAEGER_URL') {
            expect(url.hostname, `${w.metadata.name} ${e.name}`).toBe('localhost');
            if (e.name === 'WEB_OIDC_ISSUER')
              expect(catalog.ingress.jwt.issuers.map((i) => i.issuer)).toContain(e.value);
            continue;
          }
          // The span collector is Istio's tracing addon, outside the shop's manifests.
          if (e.name === 'OTEL_EXPORTER_ZIPKIN_ENDPOINT') {
            expect(`${url.hostname.split('.')[1]}/${url.hostname}`).toBe(catalog.telemetry.collectorHost);
            continue;
          }
          expect(serviceByHost(url.hostname)?.ports, `${w.metadata.name} ${e.name}`).toContain(port);
        }
      }
    }
  });

  it.each(catalog.services.map((s) => [s.name] as const))(
    "%s's container env satisfies its exported config schema",
    async (name) => {
      const path = fileURLToPath(new URL(`../../../services/${name}/src/config.ts`, import.meta.url));
      expect(existsSync(path), path).toBe(true);
      const { configSchema } = (await import(path)) as { configSchema: z.ZodObject };
      const deployment = workloads.find((w) => w.kind === 'Deployment' && w.metadata.name === name)!;
      const env: Record<string, string> = {};
      // Secrets exist only at deploy time: stand in values of the shape `make secrets` writes.
      const secretStandIn: Record<string, string> = {
        url: `postgres://${name}:secret@postgres.${ns}.svc.cluster.local:5432/${name}`,
        'private.pem': '-----BEGIN PRIVATE KEY-----\nstand-in\n-----END PRIVATE KEY-----\n',
      };
      for (const e of containersOf(deployment)[0]!.env ?? []) {
        env[e.name] = e.value ?? secretStandIn[e.valueFrom!.secretKeyRef!.key]!;
      }
      const result = configSchema.safeParse(env);
      expect(result.error?.issues ?? []).toEqual([]);
      expect(Object.keys(env).filter((k) => !(k in configSchema.shape))).toEqual([]);
    },
  );

  it('probe and scrape paths exist in the service runtime', async () => {
    const { app } = createServiceApp('probe-check', { logger: silentLogger(), routes: Router() });
    const paths = new Set<string>();
    for (const w of workloads.filter((o) => o.kind === 'Deployment')) {
      const c = containersOf(w)[0]!;
      for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) paths.add(probe!.httpGet!.path);
      paths.add(
        (w.spec as { template: { metadata: { annotations: Json } } }).template.metadata.annotations[
          'prometheus.io/path'
        ] as string,
      );
    }
    expect([...paths].sort()).toEqual(['/healthz', '/metrics', '/readyz']);
    for (const path of paths) expect((await request(app).get(path)).status, path).toBe(200);
    expect((await request(app).get('/no-such-path')).status).toBe(404);
  });

  it('every port is named for Istio protocol selection', () => {
    const named = /^(http|http2|https|grpc|grpc-web|tcp|tls|mongo|mysql|redis)(-[a-z0-9-]+)?$/;
    for (const s of services)
      for (const p of (s.spec as { ports: { name: string }[] }).ports) expect(p.name).toMatch(named);
    for (const w of workloads)
      for (const c of containersOf(w)) for (const p of c.ports ?? []) expect(p.name).toMatch(named);
  });

  it('ships no Secret values and no :latest images', () => {
    expect(ofKind(objects, 'Secret')).toEqual([]);
    for (const w of workloads) {
      for (const c of containersOf(w)) {
        expect(c.image).toMatch(/^[^:]+:[A-Za-z0-9._-]+$/);
        expect(c.image).not.toMatch(/:latest$/);
        expect(c.imagePullPolicy).toBe('IfNotPresent');
        for (const e of c.env ?? []) {
          if (/PASSWORD|SECRET|TOKEN|KEY|DATABASE_URL/.test(e.name))
            expect(e.valueFrom?.secretKeyRef, e.name).toBeDefined();
        }
      }
    }
    const jwks = JSON.parse(
      String((ofKind(objects, 'RequestAuthentication')[0]!.spec as { jwtRules: { jwks: string }[] }).jwtRules[0]!.jwks),
    ) as { keys: Json[] };
    for (const key of jwks.keys)
      for (const part of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key[part]).toBeUndefined();
  });

  it('every object carries app.kubernetes.io/part-of: mesh-kit and an explicit name', () => {
    for (const o of objects) {
      expect(o.metadata.labels?.['app.kubernetes.io/part-of'], `${o.kind} ${o.metadata.name}`).toBe('mesh-kit');
      expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
  });
});
