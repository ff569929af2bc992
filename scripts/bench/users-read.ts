import type { RequestHandler } from 'express';
import type pg from 'pg';

/**
 * The read every row of the GET comparison does, as GET /users/:id does it: one PostgreSQL query,
 * 404 without a row. The baselines mount it on bare Express and on Express with the first layers
 * of the runtime.
 */
export function usersRead(pool: pg.Pool): RequestHandler {
  return (req, res) => {
    pool.query('SELECT id, name, email FROM users WHERE id = $1', [req.params.id]).then(
      (result) => {
        const row: unknown = result.rows[0];
        if (row === undefined) res.status(404).json({});
        else res.json(row);
      },
      () => res.status(500).end(),
    );
  };
}
