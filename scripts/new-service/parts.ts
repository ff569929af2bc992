/** What every template of the scaffold reads: the service's names and the options it was given. */
import type { ContractNames } from './event-contracts.js';
import type { ServiceNames } from './names.js';

export interface Parts {
  readonly n: ServiceNames;
  readonly database: boolean;
  /** The consumed subject and the runtime names of its contract, for a consumer service. */
  readonly consumes: { readonly subject: string; readonly names: ContractNames } | undefined;
  readonly callees: readonly ServiceNames[];
}

/** The lines that are strings, joined, with a final newline: templates leave out a line with `false`. */
export const lines = (...parts: (string | false | undefined)[]): string =>
  `${parts.filter((p): p is string => typeof p === 'string').join('\n')}\n`;

/** `{ a, b }` import list, sorted the way the house writes them (values, then types). */
export const importList = (names: readonly (string | false)[]): string => {
  const given = names.filter((n): n is string => typeof n === 'string');
  const values = given.filter((n) => !n.startsWith('type ')).sort((a, b) => a.localeCompare(b));
  const types = given.filter((n) => n.startsWith('type ')).sort((a, b) => a.localeCompare(b));
  return `{ ${[...values, ...types].join(', ')} }`;
};

/** The env variable with a callee's base URL, as the manifests name it (`gift-cards` → `GIFT_CARDS_URL`). */
export const urlVariable = (callee: ServiceNames): string => `${callee.snake.toUpperCase()}_URL`;

/** `{ users: new ServiceClient('users', <urls>.usersUrl), ... }`: one client per callee. */
export const clientsLiteral = (p: Parts, urls: string): string =>
  `{ ${p.callees.map((c) => `${c.camel}: new ServiceClient('${c.name}', ${urls}.${c.camel}Url)`).join(', ')} }`;

/** The handler of the consumed subject (`order-placed` → handleOrderPlaced in order-placed-handler.ts). */
export const handlerOf = (names: ContractNames): { readonly fn: string; readonly file: string } => {
  const pascal = names.slug
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
  return { fn: `handle${pascal}`, file: `${names.slug}-handler` };
};
