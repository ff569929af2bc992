import { Router } from 'express';
import { z } from 'zod';
import {
  CONTROL_CHARACTERS_MESSAGE,
  HttpProblem,
  MAX_USER_ID_LENGTH,
  NO_CONTROL_CHARACTERS,
  parseInput,
} from '@mesh-kit/runtime';
import type { AuthorizationStore } from '../authorization-store.js';
import { applyFailureKnob, type FailureKnob } from '../failure-knob.js';
import { CURRENCIES } from '../rules.js';

const authorizationRequest = z.strictObject({
  /** The order's id (orders sends its own uuid). */
  orderKey: z.string().min(1).max(100).regex(NO_CONTROL_CHARACTERS, CONTROL_CHARACTERS_MESSAGE),
  userId: z.string().min(1).max(MAX_USER_ID_LENGTH).regex(NO_CONTROL_CHARACTERS, CONTROL_CHARACTERS_MESSAGE),
  amountCents: z.number().int().positive(),
  currency: z.enum(CURRENCIES),
});

export function authorizationsRouter(store: AuthorizationStore, knob: FailureKnob): Router {
  const router = Router();
  router.post('/authorizations', async (req, res) => {
    const input = parseInput(authorizationRequest, req.body);
    await applyFailureKnob(knob);
    const result = await store.authorize(input);
    if (result.kind === 'conflict') {
      throw new HttpProblem(409, `Order key ${input.orderKey} is already authorized with other terms.`, {
        errors: result.fields.map((field) => ({ field, message: 'differs from the authorization of this order key' })),
      });
    }
    if (result.kind === 'declined') {
      // Neither the per-payment nor the velocity limit is named: a caller cannot probe for them.
      throw new HttpProblem(402, 'Payment declined.', { title: 'Payment Declined' });
    }
    res.status(201).json(result.authorization);
  });
  return router;
}
