/**
 * The runtime's event contracts a scaffolded consumer subscribes to, by subject: the names the
 * generated code imports from @mesh-kit/runtime. A subject gets a consumer only once it is here;
 * test/new-service.test.ts checks these names against the runtime.
 */
export interface ContractNames {
  /** The runtime's `EventContract` constant a consumer service declares it consumes (`ORDER_PLACED`). */
  readonly contract: string;
  /** The type of a parsed event, the handler's argument (`OrderPlacedEvent`). */
  readonly eventType: string;
  /** Builds a valid event from a body, for the generated test. */
  readonly factory: string;
  /** The factory's argument in the generated test (a TypeScript expression). */
  readonly exampleBody: string;
  /** Names the handler and its file: `order-placed` → handleOrderPlaced in order-placed-handler.ts. */
  readonly slug: string;
}

export const EVENT_CONTRACTS: Readonly<Record<string, ContractNames>> = {
  'orders.placed': {
    contract: 'ORDER_PLACED',
    eventType: 'OrderPlacedEvent',
    factory: 'newOrderPlacedEvent',
    exampleBody:
      "{ id: randomUUID(), userId: randomUUID(), items: [{ sku: 'mug', quantity: 1, unitPriceCents: 1250 }], totalCents: 1250, currency: 'EUR' }",
    slug: 'order-placed',
  },
};
