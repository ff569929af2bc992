import { runService } from '@mesh-kit/runtime';
import { createApp } from './app.js';
import { configSchema } from './config.js';

await runService({
  name: 'payments',
  configSchema,
  async start(config, logger) {
    if (config.PAYMENTS_FAILURE_RATE > 0 || config.PAYMENTS_ADDED_LATENCY_MS > 0) {
      logger.warn(
        { failureRate: config.PAYMENTS_FAILURE_RATE, addedLatencyMs: config.PAYMENTS_ADDED_LATENCY_MS },
        'demo failure knob is ON',
      );
    }
    const { app, lifecycle } = createApp({
      logger,
      declineAboveCents: config.PAYMENTS_DECLINE_ABOVE_CENTS,
      failureKnob: { failureRate: config.PAYMENTS_FAILURE_RATE, addedLatencyMs: config.PAYMENTS_ADDED_LATENCY_MS },
    });
    return { app, lifecycle };
  },
});
