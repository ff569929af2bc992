import { fileURLToPath } from 'node:url';
import { runDatabaseService } from '@mesh-kit/runtime';
import { createApp } from './app.js';
import { configSchema } from './config.js';

// Serves at once; /readyz stays 503 until PostgreSQL answers and the migrations are applied.
await runDatabaseService({
  name: 'identity',
  configSchema,
  migrationsDir: fileURLToPath(new URL('../migrations', import.meta.url)),
  createApp,
});
