import { describe, expect, it } from 'vitest';
import { type Catalog, catalog } from '@mesh-kit/catalog';
import { catalogProblems } from '../src/catalog-check.js';
import { synthObjects } from './support/shop.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

describe('catalog check', () => {
  it('accepts the shop', () => {
    expect(catalogProblems(catalog)).toEqual([]);
  });

  it('names the field of each problem, and synth refuses the catalog', () => {
    const bad = structuredClone(catalog) as Mutable<Catalog>;
    const orders = bad.services.find((s) => s.name === 'orders')!;
    orders.calls[2]!.paths = ['/authorisations'];
    bad.services.find((s) => s.name === 'payments')!.port = 3001;
    bad.services.find((s) => s.name === 'analytics')!.gateway = [{ prefix: '/api/stats', rewrite: '/statistics' }];
    expect(catalogProblems(bad as Catalog)).toEqual([
      "services[1] (payments).port: 3001 is also users's port",
      'services[2] (orders).calls[2]: payments has no route POST /authorisations',
      "services[2] (orders).routes[0].calls[2]: POST payments /authorizations is not among the service's calls",
      "services[4] (analytics).gateway[0]: no route under '/statistics'",
    ]);
    expect(() => synthObjects(bad as Catalog)).toThrow(/invalid catalog:\n {2}services\[1\] \(payments\)\.port/);
  });

  it('needs every service to autoscale or to say why it keeps fixed replicas, not both', () => {
    const bad = structuredClone(catalog) as Mutable<Catalog>;
    delete bad.services.find((s) => s.name === 'analytics')!.autoscaling;
    bad.services.find((s) => s.name === 'loadgen')!.fixedReplicasReason = ' ';
    bad.services.find((s) => s.name === 'users')!.fixedReplicasReason = 'it is small';
    const index = (name: string): number => bad.services.findIndex((s) => s.name === name);
    expect(catalogProblems(bad as Catalog)).toEqual([
      `services[${index('users')}] (users).fixedReplicasReason: the service declares autoscaling; drop one of the two`,
      `services[${index('analytics')}] (analytics).autoscaling: declare it, or say in fixedReplicasReason why the service keeps fixed replicas`,
      `services[${index('loadgen')}] (loadgen).autoscaling: declare it, or say in fixedReplicasReason why the service keeps fixed replicas`,
    ]);
  });

  it('needs exactly one stream for every subject a service publishes or consumes', () => {
    const bad = structuredClone(catalog) as Mutable<Catalog>;
    bad.services.find((s) => s.name === 'analytics')!.consumes = ['payments.settled'];
    expect(catalogProblems(bad as Catalog)).toEqual([
      "services[4] (analytics).consumes[0]: 'payments.settled' must be stored by exactly one of streams, found 0",
    ]);
  });

  it('keeps every gateway route under the JWT-protected prefix, itself a path with a trailing slash', () => {
    const bad = structuredClone(catalog) as Mutable<Catalog>;
    bad.ingress.jwt.protectedPrefix = '/api';
    expect(catalogProblems(bad as Catalog)).toContain(
      "ingress.jwt.protectedPrefix: must be a path with a trailing slash ('/api/'), got '/api'",
    );
    bad.ingress.jwt.protectedPrefix = '/api/';
    bad.services.find((s) => s.name === 'users')!.gateway = [{ prefix: '/users', rewrite: '/users' }];
    expect(catalogProblems(bad as Catalog)).toEqual([
      "services[0] (users).gateway[0].prefix: '/users' is outside ingress.jwt.protectedPrefix '/api/'",
    ]);
  });

  it('needs the call order of a route with several calls, and a margin ≥ 0', () => {
    const bad = structuredClone(catalog) as Mutable<Catalog>;
    const overview = bad.services.find((s) => s.name === 'storefront')!.routes[0]!;
    delete overview.callOrder;
    overview.ownWorkMarginPercent = -5;
    expect(catalogProblems(bad as Catalog)).toEqual([
      "services[5] (storefront).routes[0].callOrder: GET /overview makes 3 calls; say whether 'sequential' or 'parallel'",
      'services[5] (storefront).routes[0].ownWorkMarginPercent: must be a number ≥ 0, got -5',
    ]);
  });
});
