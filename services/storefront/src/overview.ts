import { USER_ID_HEADER, type ServiceClient, type ServiceResponse } from '@mesh-kit/runtime';

export type Part = 'user' | 'orders' | 'notifications';

export interface Overview {
  readonly user: unknown;
  readonly orders: unknown;
  readonly notifications: unknown;
  /** The parts whose service did not answer (unreachable, or 5xx): the page renders without them. */
  readonly missing: readonly Part[];
}

export interface OverviewClients {
  readonly users: ServiceClient;
  readonly orders: ServiceClient;
  readonly notifications: ServiceClient;
}

/** What one part contributes: its value, or undefined when its service did not answer. */
type Fetched = { readonly value: unknown } | undefined;

async function fetchPart(
  call: Promise<ServiceResponse>,
  absentOn404: boolean,
  select: (body: unknown) => unknown = (body) => body,
): Promise<Fetched> {
  try {
    const response = await call;
    if (response.status === 200) return { value: select(response.body ?? null) };
    if (absentOn404 && response.status === 404) return { value: null };
    return undefined;
  } catch {
    return undefined;
  }
}

/** notifications answers a page (`{items, nextCursor}`); the overview shows its newest page's items. */
const pageItems = (body: unknown): unknown =>
  typeof body === 'object' && body !== null && 'items' in body ? (body as { items: unknown }).items : body;

/** Asks the three services in parallel; a failed part never fails the whole overview. */
export async function buildOverview(clients: OverviewClients, userId: string): Promise<Overview> {
  const asCaller = { [USER_ID_HEADER]: userId };
  const [user, orders, notifications] = await Promise.all([
    fetchPart(clients.users.get(`/users/${encodeURIComponent(userId)}`, asCaller), true),
    fetchPart(clients.orders.get('/orders', asCaller), false),
    fetchPart(clients.notifications.get('/notifications', asCaller), false, pageItems),
  ]);
  const parts: Record<Part, Fetched> = { user, orders, notifications };
  return {
    user: user?.value ?? null,
    orders: orders?.value ?? null,
    notifications: notifications?.value ?? null,
    missing: (Object.keys(parts) as Part[]).filter((part) => parts[part] === undefined),
  };
}
