/**
 * The benchmark's baseline: a bare node:http server doing the same PostgreSQL read as
 * GET /users/:id, with no framework, validation, metrics or logging.
 */
import { createServer } from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const port = Number(process.env.PORT);

createServer((req, res) => {
  const id = req.url?.slice('/users/'.length) ?? '';
  pool.query('SELECT id, name, email FROM users WHERE id = $1', [id]).then(
    (result) => {
      const row = result.rows[0];
      res.writeHead(row === undefined ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(row ?? {}));
    },
    () => {
      res.writeHead(500);
      res.end();
    },
  );
}).listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
