/**
 * Generated blocks in Markdown: `<!-- generated:<name> … -->` … `<!-- /generated:<name> -->`. What
 * lies between the markers is rendered by `npm run generate` and never edited by hand;
 * test/generated-docs.test.ts fails when a block differs from what its renderer gives.
 */
export const openMarker = (name: string): string =>
  `<!-- generated:${name} by \`npm run generate\`; edit the source, not this block -->`;
export const closeMarker = (name: string): string => `<!-- /generated:${name} -->`;

const OPEN = /<!-- generated:([a-z0-9-]+)\b[^>]*-->/g;

/** The names of the generated blocks in `markdown`, in order. */
export function blockNames(markdown: string): string[] {
  return [...markdown.matchAll(OPEN)].map((m) => m[1] ?? '');
}

/** `markdown` with block `name`'s content replaced by `content`; throws when the markers are missing. */
export function replaceBlock(markdown: string, name: string, content: string, file = 'the document'): string {
  const open = new RegExp(`<!-- generated:${name}\\b[^>]*-->`).exec(markdown);
  const close = closeMarker(name);
  const end = open === null ? -1 : markdown.indexOf(close, open.index);
  if (open === null || end < 0) throw new Error(`${file} has no '<!-- generated:${name} -->' … '${close}' block`);
  return `${markdown.slice(0, open.index)}${openMarker(name)}\n${content.trimEnd()}\n${markdown.slice(end)}`;
}
