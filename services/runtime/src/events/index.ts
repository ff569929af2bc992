export {
  connectEvents,
  inboxPrefix,
  openEvents,
  type BrokerCredentials,
  type EventsConnection,
  type EventsLink,
} from './connection.js';
export { startConsumer, type Delivery, type EventConsumerOptions, type RunningConsumer } from './consumer.js';
export {
  consumeEvents,
  consumerServiceConfigSchema,
  createConsumerApp,
  defineConsumerService,
  runConsumerService,
  startConsumerService,
  type ConsumeEventsDeps,
  type ConsumerAppDeps,
  type ConsumerDomainDeps,
  type ConsumerServiceConfig,
  type ConsumerServiceDefinition,
} from './consumer-service.js';
export {
  eventEnvelopeSchema,
  newOrderPlacedEvent,
  ORDER_PLACED,
  ORDER_PLACED_SUBJECT,
  orderLineSchema,
  orderPlacedEventSchema,
  type EventContract,
  type EventEnvelope,
  type OrderPlacedEvent,
  type PlacedOrder,
} from '@mesh-kit/catalog/events';
export { fromNatsHeaders, toNatsHeaders } from './headers.js';
export { eventMetrics, type EventMetrics } from './metrics.js';
export { EventPublisher, type PublishResult } from './publisher.js';
export {
  deadLetterSubject,
  ensureDurableConsumer,
  ensureStreams,
  namespacedTopology,
  requireStreams,
  ORDERS_TOPOLOGY,
  topologyOf,
  wireSubject,
  validatePolicy,
  type ConsumerPolicy,
  type EventStreamLimits,
  type EventTopology,
  type StreamLimits,
} from './topology.js';
export {
  brokerCredentialsFromConfig,
  consumerPolicyConfigSchema,
  consumerPolicyFromConfig,
  eventsConfigSchema,
  ordersTopologyFromConfig,
  topologyFromConfig,
  streamsBootstrapConfigSchema,
} from './config.js';
