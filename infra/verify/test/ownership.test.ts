import { describe, expect, it } from 'vitest';
import { evaluateOwnership, type OwnershipObservation } from '../src/checks/ownership.js';

const good: OwnershipObservation = {
  catalogue: 200,
  product: { status: 200, priceCents: 450 },
  postCatalogue: 401,
  order: { status: 201, unitPriceCents: 450 },
  tampered: 400,
  foreignProfile: 404,
  foreignOrder: 404,
};

describe('evaluateOwnership', () => {
  it('passes when the catalogue is public, the price is the catalogue’s and foreign data is 404', () => {
    expect(evaluateOwnership(good).status).toBe('pass');
  });

  it.each<[string, Partial<OwnershipObservation>, RegExp]>([
    ['a catalogue behind a token', { catalogue: 401 }, /public catalogue needs no token/],
    ['a public POST', { postCatalogue: 404 }, /only GET is public/],
    ['a client-set price', { order: { status: 201, unitPriceCents: 1 } }, /catalogue's price/],
    ['an accepted price in the body', { tampered: 201 }, /must be refused/],
    ["another user's profile", { foreignProfile: 200 }, /another user's data/],
    ["another user's order", { foreignOrder: 200 }, /another user's data/],
  ])('fails on %s', (_name, change, message) => {
    const result = evaluateOwnership({ ...good, ...change });
    expect(result.status).toBe('fail');
    expect(result.detail).toMatch(message);
  });
});
