/**
 * The broker's bootstrap: creates the event streams, or brings them to the catalog's limits, as the
 * `broker-bootstrap` user, then exits. The cluster runs it as a Job (infra/cdk8s/src/constructs/broker-bootstrap.ts)
 * in orders' image; no service's broker user may create, update, purge, delete or seal a stream.
 */
import {
  brokerCredentialsFromConfig,
  connectEvents,
  createLogger,
  ensureStreams,
  loadConfig,
  ordersTopologyFromConfig,
  streamsBootstrapConfigSchema,
} from '@mesh-kit/runtime';

const config = loadConfig(streamsBootstrapConfigSchema, process.env);
const logger = createLogger('broker-bootstrap', config.LOG_LEVEL);
const topology = ordersTopologyFromConfig(config);
const events = await connectEvents(config.NATS_URL, 'broker-bootstrap', logger, brokerCredentialsFromConfig(config));
try {
  await ensureStreams(events.jsm, topology, config.EVENT_STREAM_LIMITS);
  logger.info(
    { streams: [topology.stream, topology.deadLetterStream], limits: config.EVENT_STREAM_LIMITS },
    'streams ready',
  );
} finally {
  await events.close();
}
