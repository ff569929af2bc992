import { fileURLToPath } from 'node:url';
import { runDatabaseService } from '@mesh-kit/runtime';
import { createApp } from './app.js';
import { configSchema } from './config.js';

await runDatabaseService({
  name: 'payments',
  configSchema,
  migrationsDir: fileURLToPath(new URL('../migrations', import.meta.url)),
  createApp({ pool, logger, lifecycle, readiness, config }) {
    if (config.PAYMENTS_FAILURE_RATE > 0 || config.PAYMENTS_ADDED_LATENCY_MS > 0) {
      logger.warn(
        { failureRate: config.PAYMENTS_FAILURE_RATE, addedLatencyMs: config.PAYMENTS_ADDED_LATENCY_MS },
        'demo failure knob is ON',
      );
    }
    return createApp({
      pool,
      logger,
      lifecycle,
      readiness,
      rules: {
        declineAboveCents: config.PAYMENTS_DECLINE_ABOVE_CENTS,
        velocityMaxCount: config.PAYMENTS_VELOCITY_MAX_COUNT,
        velocityMaxCents: config.PAYMENTS_VELOCITY_MAX_CENTS,
        velocityWindowSeconds: config.PAYMENTS_VELOCITY_WINDOW_SECONDS,
      },
      failureKnob: { failureRate: config.PAYMENTS_FAILURE_RATE, addedLatencyMs: config.PAYMENTS_ADDED_LATENCY_MS },
    });
  },
});
