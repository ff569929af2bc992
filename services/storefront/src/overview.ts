import {
  type NotificationAnswer,
  notificationPageAnswerSchema,
  type OrderAnswer,
  ordersAnswerSchema,
  type UserAnswer,
  userAnswerSchema,
} from '@mesh-kit/catalog/answers';
import { USER_ID_HEADER, type ServiceClient, type ServiceResponse } from '@mesh-kit/runtime';
import type { z } from 'zod';

export type Part = 'user' | 'orders' | 'notifications';

export interface Overview {
  readonly user: UserAnswer | null;
  readonly orders: readonly OrderAnswer[] | null;
  readonly notifications: readonly NotificationAnswer[] | null;
  /** The parts whose service did not answer (unreachable, or 5xx): the page renders without them. */
  readonly missing: readonly Part[];
}

export interface OverviewClients {
  readonly users: ServiceClient;
  readonly orders: ServiceClient;
  readonly notifications: ServiceClient;
}

/** What one part contributes: its value, or undefined when its service did not answer. */
type Fetched<T> = { readonly value: T | null } | undefined;

/**
 * One part, parsed with its provider's answer schema (@mesh-kit/catalog/answers): an answer outside
 * the contract counts as no answer, like a 5xx.
 */
async function fetchPart<S extends z.ZodType>(
  call: Promise<ServiceResponse>,
  schema: S,
  absentOn404: boolean,
): Promise<Fetched<z.output<S>>> {
  try {
    const response = await call;
    if (absentOn404 && response.status === 404) return { value: null };
    if (response.status !== 200) return undefined;
    const parsed = schema.safeParse(response.body);
    return parsed.success ? { value: parsed.data } : undefined;
  } catch {
    return undefined;
  }
}

/** Asks the three services in parallel; a failed part never fails the whole overview. */
export async function buildOverview(clients: OverviewClients, userId: string): Promise<Overview> {
  const asCaller = { [USER_ID_HEADER]: userId };
  const [user, orders, notifications] = await Promise.all([
    fetchPart(clients.users.get(`/users/${encodeURIComponent(userId)}`, asCaller), userAnswerSchema, true),
    fetchPart(clients.orders.get('/orders', asCaller), ordersAnswerSchema, false),
    fetchPart(clients.notifications.get('/notifications', asCaller), notificationPageAnswerSchema, false),
  ]);
  const parts: Record<Part, Fetched<unknown>> = { user, orders, notifications };
  return {
    user: user?.value ?? null,
    orders: orders?.value ?? null,
    // notifications answers a page (`{items, nextCursor}`); the overview shows its newest page's items.
    notifications: notifications?.value?.items ?? null,
    missing: (Object.keys(parts) as Part[]).filter((part) => parts[part] === undefined),
  };
}
