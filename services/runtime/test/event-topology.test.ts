import { type Catalog, catalog } from '@mesh-kit/catalog';
import { describe, expect, it } from 'vitest';
import { topologyFromConfig, topologyOf } from '../src/events/index.js';

describe('event topology from the catalog', () => {
  it("reads orders.placed from the catalog's ORDERS stream", () => {
    expect(topologyOf('orders.placed')).toMatchObject({
      stream: 'ORDERS',
      subjects: ['orders.>'],
      deadLetterStream: 'ORDERS_DLQ',
    });
  });

  it('gives a consumer of another stream that stream, never ORDERS', () => {
    const withPayments: Catalog = {
      ...catalog,
      streams: [
        ...catalog.streams,
        { ...catalog.streams[0]!, name: 'PAYMENTS', subjects: ['payments.>'], deadLetterStream: 'PAYMENTS_DLQ' },
      ],
    };
    expect(topologyOf('payments.settled', withPayments)).toMatchObject({
      stream: 'PAYMENTS',
      subjects: ['payments.>'],
      deadLetterStream: 'PAYMENTS_DLQ',
    });
  });

  it('names the subject when no stream of the catalog stores it', () => {
    expect(() => topologyOf('refunds.issued')).toThrow("catalog has no stream storing subject 'refunds.issued'");
  });

  it('puts the stream under the configured namespace', () => {
    expect(topologyFromConfig({ EVENTS_NAMESPACE: 'ci1' }, 'orders.placed')).toMatchObject({
      stream: 'ci1_ORDERS',
      subjects: ['ci1.orders.>'],
      deadLetterStream: 'ci1_ORDERS_DLQ',
    });
  });
});
