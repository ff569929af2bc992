import { Router } from 'express';
import { z } from 'zod';
import { HttpProblem, parseInput } from '@mesh-kit/runtime';
import type { UserStore } from '../user-store.js';

const newUser = z.strictObject({
  name: z.string().trim().min(1).max(200),
  email: z.email().max(320),
});
const userId = z.strictObject({ id: z.uuid() });

export function usersRouter(store: UserStore): Router {
  const router = Router();

  router.post('/users', async (req, res) => {
    const { name, email } = parseInput(newUser, req.body);
    const result = await store.create(name, email);
    if (result.kind === 'email-taken') {
      throw new HttpProblem(409, 'A user with this email already exists.', {
        errors: [{ field: 'email', message: 'already registered' }],
      });
    }
    res.status(201).location(`/users/${result.user.id}`).json(result.user);
  });

  router.get('/users/:id', async (req, res) => {
    const { id } = parseInput(userId, req.params);
    const user = await store.find(id);
    if (user === undefined) throw new HttpProblem(404, `No user ${id}.`);
    res.json(user);
  });

  return router;
}
