import { Router } from 'express';
import { z } from 'zod';
import { HttpProblem, parseInput } from '@mesh-kit/runtime';
import { applyFailureKnob, type FailureKnob } from '../failure-knob.js';
import { CURRENCIES, decide } from '../rules.js';

const authorizationRequest = z.strictObject({
  orderKey: z.string().min(1).max(300),
  userId: z.string().min(1).max(100),
  amountCents: z.number().int().positive(),
  currency: z.enum(CURRENCIES),
});

export function authorizationsRouter(declineAboveCents: number, knob: FailureKnob): Router {
  const router = Router();
  router.post('/authorizations', async (req, res) => {
    const input = parseInput(authorizationRequest, req.body);
    await applyFailureKnob(knob);
    const decision = decide(input.orderKey, input.amountCents, declineAboveCents);
    if ('declined' in decision) {
      throw new HttpProblem(402, `Payment declined: ${decision.declined}.`, {
        title: 'Payment Declined',
        extensions: { reason: 'amount_over_limit' },
      });
    }
    res.status(201).json(decision.approved);
  });
  return router;
}
