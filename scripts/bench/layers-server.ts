/**
 * The rows between bare Express and the users service: the same read as bare-express-server.ts
 * behind the first LAYERS (1…n) layers of the runtime's pipeline, the very handlers
 * createServiceApp mounts. The step from one row to the next is what that layer costs. Once it
 * listens it prints `{"names": [every layer's name, in order]}` as one JSON line.
 */
import pg from 'pg';
import { bareServiceExpress, createLogger, servicePipeline } from '@mesh-kit/runtime';
import { usersRead } from './users-read.js';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const port = Number(process.env.PORT);
const layers = Number(process.env.LAYERS);
const app = bareServiceExpress();
const { before } = servicePipeline('users', app, { logger: createLogger('users', 'warn') });
if (!Number.isInteger(layers) || layers < 1 || layers > before.length) {
  process.stderr.write(`layers-server: LAYERS must be 1…${before.length}, got ${process.env.LAYERS ?? '(unset)'}\n`);
  process.exit(64);
}
for (const layer of before.slice(0, layers)) app.use(layer.handler);
app.get('/users/:id', usersRead(pool));

app.listen(port, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ names: before.map((l) => l.name) })}\n`));
