import { useSyncExternalStore } from 'react';
import type { Product } from './model.js';

export interface CartLine {
  readonly sku: string;
  readonly name: string;
  readonly priceCents: number;
  readonly currency: string;
  readonly quantity: number;
}

const KEY = 'shop.cart';
const listeners = new Set<() => void>();
let cached: { raw: string | null; lines: readonly CartLine[] } = { raw: null, lines: [] };

function read(): readonly CartLine[] {
  const raw = window.localStorage.getItem(KEY);
  if (raw !== cached.raw) {
    let lines: readonly CartLine[] = [];
    try {
      const parsed: unknown = raw === null ? [] : JSON.parse(raw);
      if (Array.isArray(parsed)) lines = parsed as CartLine[];
    } catch {
      lines = [];
    }
    cached = { raw, lines };
  }
  return cached.lines;
}

function write(lines: readonly CartLine[]): void {
  window.localStorage.setItem(KEY, JSON.stringify(lines));
  for (const listener of listeners) listener();
}

export const cart = {
  add(product: Product, quantity: number): void {
    const lines = read();
    const existing = lines.find((l) => l.sku === product.sku);
    write(
      existing === undefined
        ? [
            ...lines,
            {
              sku: product.sku,
              name: product.name,
              priceCents: product.priceCents,
              currency: product.currency,
              quantity,
            },
          ]
        : lines.map((l) => (l.sku === product.sku ? { ...l, quantity: Math.min(99, l.quantity + quantity) } : l)),
    );
  },
  setQuantity(sku: string, quantity: number): void {
    write(read().map((l) => (l.sku === sku ? { ...l, quantity } : l)));
  },
  remove(sku: string): void {
    write(read().filter((l) => l.sku !== sku));
  },
  clear(): void {
    write([]);
  },
};

export function useCart(): readonly CartLine[] {
  return useSyncExternalStore((listener) => {
    listeners.add(listener);
    const onStorage = (e: StorageEvent): void => {
      if (e.key === KEY) listener();
    };
    window.addEventListener('storage', onStorage);
    return () => {
      listeners.delete(listener);
      window.removeEventListener('storage', onStorage);
    };
  }, read);
}
