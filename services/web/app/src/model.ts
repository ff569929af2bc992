/** The API's answers, as the pages read them (docs/architecture.md, the API table). */
export interface Product {
  readonly sku: string;
  readonly name: string;
  readonly priceCents: number;
  readonly currency: string;
  readonly active: boolean;
}

export interface ProductPage {
  readonly items: readonly Product[];
  readonly nextCursor: string | null;
}

export interface OrderItem {
  readonly sku: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
}

export interface Order {
  readonly id: string;
  readonly items: readonly OrderItem[];
  readonly totalCents: number;
  readonly currency: string;
  readonly status: string;
  readonly createdAt: string;
}

export interface ShopNotification {
  readonly id: string;
  readonly orderId: string;
  readonly message: string;
  readonly sentAt: string;
}

/** A page of the caller's notifications, newest first; `nextCursor` fetches the older ones. */
export interface NotificationPage {
  readonly items: readonly ShopNotification[];
  readonly nextCursor: string | null;
}

export interface Overview {
  readonly user: { readonly id: string; readonly name: string; readonly email: string } | null;
  readonly orders: readonly Order[] | null;
  readonly notifications: readonly ShopNotification[] | null;
  readonly missing: readonly ('user' | 'orders' | 'notifications')[];
  /** The storefront release that answered (a canary names itself). */
  readonly release?: string;
}

export function money(cents: number, currency: string): string {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).format(cents / 100);
}
