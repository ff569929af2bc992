/**
 * The benchmark's second row: Express 5 with nothing of the kit's runtime (no request id, trace
 * context, metrics, logging, validation or problem handling) doing the same PostgreSQL read as
 * GET /users/:id. Between this and the bare node:http row is what the framework costs; between
 * this and the users service is what the runtime costs.
 */
import express from 'express';
import pg from 'pg';
import { usersRead } from './users-read.js';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const port = Number(process.env.PORT);
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.get('/users/:id', usersRead(pool));

app.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
