/**
 * The runtime's typed event contracts a scaffolded consumer parses with, by subject: the names
 * the generated code imports from @mesh-kit/runtime. A subject gets a consumer only once its
 * contract is here (the scaffold's test type-checks what this table generates).
 */
export interface EventContract {
  /** The constant holding the subject (`ORDER_PLACED_SUBJECT`). */
  readonly subjectConstant: string;
  /** The zod schema consumers parse the payload with. */
  readonly schema: string;
  /** Builds a valid event from a body, for the generated test. */
  readonly factory: string;
  /** The factory's argument in the generated test (a TypeScript expression). */
  readonly exampleBody: string;
  /** Reads the topology of the stream the subject lives in from the service's config. */
  readonly topologyFromConfig: string;
  /** The topology constant the generated test namespaces. */
  readonly topology: string;
  /** Names the consumer function and its file: `order-placed` → consumeOrderPlaced, order-placed-consumer.ts. */
  readonly slug: string;
}

export const EVENT_CONTRACTS: Readonly<Record<string, EventContract>> = {
  'orders.placed': {
    subjectConstant: 'ORDER_PLACED_SUBJECT',
    schema: 'orderPlacedEventSchema',
    factory: 'newOrderPlacedEvent',
    exampleBody:
      "{ id: randomUUID(), userId: randomUUID(), items: [{ sku: 'mug', quantity: 1, unitPriceCents: 1250 }], totalCents: 1250 }",
    topologyFromConfig: 'ordersTopologyFromConfig',
    topology: 'ORDERS_TOPOLOGY',
    slug: 'order-placed',
  },
};
