/** The identifiers one service name turns into in the code the scaffold writes. */
export interface ServiceNames {
  /** The DNS label: folder, catalog name, routes (`gift-cards`). */
  readonly name: string;
  /** Variables and functions (`giftCards`). */
  readonly camel: string;
  /** Types and classes (`GiftCards`). */
  readonly pascal: string;
  /** PostgreSQL identifiers (`gift_cards`). */
  readonly snake: string;
}

export function namesOf(name: string): ServiceNames {
  const words = name.split('-');
  const pascal = words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('');
  return { name, camel: pascal.charAt(0).toLowerCase() + pascal.slice(1), pascal, snake: words.join('_') };
}
