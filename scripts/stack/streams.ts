import { connectEvents, createLogger, ensureStreams, namespacedTopology, ORDERS_TOPOLOGY } from '@mesh-kit/runtime';
import { streamLimits } from '../../infra/cdk8s/src/broker-permissions.js';
import type { Catalog } from '@mesh-kit/catalog';

/**
 * Creates the event streams with the catalog's limits, as the cluster's bootstrap Job does
 * (services/orders/src/bootstrap-streams.ts): orders only checks that they exist. Waits for the
 * broker when it is away; resolves once both streams are there.
 */
export async function bootstrapStreams(natsUrl: string, eventsNamespace: string, catalog: Catalog): Promise<void> {
  const [stream] = catalog.streams;
  if (stream === undefined) return;
  const events = await connectEvents(natsUrl, 'stack-broker-bootstrap', createLogger('broker-bootstrap', 'silent'));
  try {
    await ensureStreams(events.jsm, namespacedTopology(ORDERS_TOPOLOGY, eventsNamespace), streamLimits(stream));
  } finally {
    await events.close();
  }
}
