import { runService, ServiceClient } from '@mesh-kit/runtime';
import { createApp } from './app.js';
import { configSchema } from './config.js';
import { runJourney } from './journey.js';
import { SteadyScheduler } from './scheduler.js';
import { TokenSigner } from '@mesh-kit/catalog/token-signer';

await runService({
  name: 'loadgen',
  configSchema,
  async start(config, logger) {
    const signer = new TokenSigner({
      privateKeyPem: config.JWT_SIGNING_KEY,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      subjectPrefix: config.JWT_SUBJECT_PREFIX,
    });
    const { app, lifecycle, loadgenMetrics } = createApp({ logger });
    const gateway = new ServiceClient('gateway', config.GATEWAY_URL);
    const scheduler = new SteadyScheduler({
      ratePerSecond: config.LOADGEN_RATE_PER_SECOND,
      task: () => runJourney({ gateway, signer, metrics: loadgenMetrics, logger }),
      onError: (error) => logger.error({ err: error }, 'journey rejected'),
    });
    scheduler.start();
    logger.info({ gateway: config.GATEWAY_URL, rate: config.LOADGEN_RATE_PER_SECOND }, 'driving traffic');
    return { app, lifecycle, close: () => scheduler.stop() };
  },
});
