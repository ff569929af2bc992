import { Router } from 'express';
import { z } from 'zod';
import {
  CONTROL_CHARACTERS_MESSAGE,
  HttpProblem,
  MAX_USER_ID_LENGTH,
  NO_CONTROL_CHARACTERS,
  parseInput,
  requireUserId,
  USER_ID_HEADER,
} from '@mesh-kit/runtime';
import type { User, UserStore } from '../user-store.js';

const newUser = z.strictObject({
  name: z.string().trim().min(1).max(200).regex(NO_CONTROL_CHARACTERS, CONTROL_CHARACTERS_MESSAGE),
  email: z.email().max(320).regex(NO_CONTROL_CHARACTERS, CONTROL_CHARACTERS_MESSAGE),
});
/**
 * The token subject the gateway copied into x-user-id: the profile's id. The limit is every
 * service's (payments' included), so a subject that registers can also order.
 */
const subject = z.string().min(1).max(MAX_USER_ID_LENGTH).regex(NO_CONTROL_CHARACTERS, CONTROL_CHARACTERS_MESSAGE);

const sameProfile = (a: User, b: { name: string; email: string }): boolean =>
  a.name === b.name && a.email.toLowerCase() === b.email.toLowerCase();

/**
 * Object-level authorization lives here, in the service that owns the data: a profile is read and
 * written only by its own subject. What the answers reveal is decided in docs/security.md.
 */
export function usersRouter(store: UserStore): Router {
  const router = Router();

  // Registers the caller's own profile. The answer depends only on the caller's own profile and the
  // body, never on other users' data: an email address someone else uses is not refused.
  router.post('/users', async (req, res) => {
    const id = parseInput(subject, requireUserId(req), USER_ID_HEADER);
    const { name, email } = parseInput(newUser, req.body);
    const result = await store.create(id, name, email);
    if (result.kind === 'created') {
      res
        .status(201)
        .location(`/users/${encodeURIComponent(id)}`)
        .json(result.user);
      return;
    }
    // A repeat of the same registration (a retry) answers the profile again, so the call is safe to
    // retry; a different one is refused, naming only the caller's own profile.
    if (!sameProfile(result.user, { name, email })) {
      throw new HttpProblem(409, 'You have a profile already.', {
        errors: [{ field: USER_ID_HEADER, message: 'already registered' }],
        extensions: { profile: `/users/${encodeURIComponent(id)}` },
      });
    }
    res
      .status(200)
      .location(`/users/${encodeURIComponent(id)}`)
      .json(result.user);
  });

  // Only the caller's own profile: any other id is 404, as if it did not exist (existence does not leak).
  router.get('/users/:id', async (req, res) => {
    const caller = requireUserId(req);
    const id = req.params.id;
    const user = id === caller ? await store.find(id) : undefined;
    if (user === undefined) throw new HttpProblem(404, 'No such user.');
    res.json(user);
  });

  return router;
}
