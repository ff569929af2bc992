import { MAX_USER_ID_LENGTH } from '@mesh-kit/catalog/events';
import type { Request } from 'express';
import { HttpProblem } from './problem.js';

/**
 * The caller's identity. The ingress gateway sets it from the JWT's `sub` claim and strips any
 * client-supplied copy, so inside the mesh it can be trusted.
 */
export const USER_ID_HEADER = 'x-user-id';

/** The longest user id any service accepts: part of the contracts (@mesh-kit/catalog/events). */
export { MAX_USER_ID_LENGTH };

/** The caller's user id, or a 401 problem when the gateway did not set one (400 when too long). */
export function requireUserId(req: Request): string {
  const value = req.get(USER_ID_HEADER)?.trim();
  if (value === undefined || value === '') {
    throw new HttpProblem(401, `The ${USER_ID_HEADER} header is required: call through the gateway with a JWT.`, {
      errors: [{ field: USER_ID_HEADER, message: 'missing' }],
    });
  }
  if (value.length > MAX_USER_ID_LENGTH) {
    throw new HttpProblem(
      400,
      `The ${USER_ID_HEADER} header (the token's sub) is longer than ${MAX_USER_ID_LENGTH} characters.`,
      {
        errors: [{ field: USER_ID_HEADER, message: `at most ${MAX_USER_ID_LENGTH} characters` }],
      },
    );
  }
  return value;
}
