import { describe, expect, it } from 'vitest';
import { authorizationAnswerSchema, parseAnswer, productLookupAnswerSchema } from '@mesh-kit/catalog/answers';

describe('answers between services', () => {
  const tea = { sku: 'tea-01', name: 'Tea', priceCents: 450, currency: 'EUR', active: true };

  it("parse products' lookup answer, ignoring fields a newer products adds", () => {
    expect(parseAnswer(productLookupAnswerSchema, { items: [{ ...tea, colour: 'green' }] })).toEqual({
      value: { items: [tea] },
    });
  });

  it('name each field of an answer that breaks the contract, instead of casting it', () => {
    expect(parseAnswer(productLookupAnswerSchema, { items: [{ ...tea, priceCents: '450' }, { sku: 'x' }] })).toEqual({
      broken: expect.stringMatching(/^items\.0\.priceCents: .*; items\.1\.name: /),
    });
    expect(parseAnswer(productLookupAnswerSchema, null)).toEqual({ broken: expect.stringMatching(/^\(body\): /) });
  });

  it("refuse a payments answer that does not say 'approved'", () => {
    const answer = { id: 'a1', status: 'approved', amountCents: 900, currency: 'EUR' };
    expect(parseAnswer(authorizationAnswerSchema, answer)).toEqual({ value: answer });
    expect(parseAnswer(authorizationAnswerSchema, { ...answer, status: 'pending' })).toHaveProperty('broken');
  });
});
