/**
 * Reading the repository's Markdown the way test/docs.test.ts checks it: links, headings, and the
 * paths, make targets and npm scripts named in code (inline `code` and fenced blocks).
 */

const FENCE = /^```[^\n]*\n([\s\S]*?)^```$/gm;
const INLINE = /`([^`\n]+)`/g;

/** The text of every fenced block and inline code span, one per line. */
export function codeOf(markdown: string): string {
  const fenced = [...markdown.matchAll(FENCE)].map((m) => m[1] ?? '');
  const prose = markdown.replace(FENCE, '');
  const inline = [...prose.matchAll(INLINE)].map((m) => `\`${m[1] ?? ''}\``);
  return [...fenced, ...inline].join('\n');
}

/** The Markdown outside fenced blocks (links and headings live there). */
function proseOf(markdown: string): string {
  return markdown.replace(FENCE, '');
}

/** Targets of relative links (`[text](path#anchor)`); web and mail links are left out. */
export function linksOf(markdown: string): string[] {
  const prose = proseOf(markdown).replace(INLINE, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '').filter((target) => !/^[a-z]+:/i.test(target));
}

/** GitHub's anchors for the headings: lower case, punctuation dropped, each space a '-', repeats numbered. */
export function headingSlugs(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const slugs = new Set<string>();
  for (const m of proseOf(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = (m[1] ?? '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    slugs.add(count === 0 ? base : `${base}-${count}`);
  }
  return slugs;
}

/** The part of the Markdown under `## title`, up to the next heading of that level. */
export function sectionOf(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n## ${title}\n`);
  if (start === -1) throw new Error(`no section '## ${title}'`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end === -1 ? undefined : end);
}

/**
 * Paths from the repository root named in code: tokens with a '/' whose first segment is one of
 * the repository's top-level entries. Templates (`services/<name>/`) and globs are left out.
 */
export function repositoryPathsIn(markdown: string, topLevel: ReadonlySet<string>): string[] {
  const paths = new Set<string>();
  for (const raw of codeOf(markdown).split(/[\s`'"(),;=]+/)) {
    const token = raw.replace(/[.:]+$/, '');
    if (!/^[\w.-]+(\/[\w.-]+)+\/?$/.test(token)) continue;
    const first = token.split('/')[0] ?? '';
    if (topLevel.has(first)) paths.add(token);
  }
  return [...paths];
}

/** Targets in the Makefile (`name:` at the start of a line). */
export function makeTargetsOf(makefile: string): Set<string> {
  return new Set([...makefile.matchAll(/^([a-zA-Z0-9_-]+):(?!=)/gm)].map((m) => m[1] ?? ''));
}

/** The make target of each command `make [flags] <target>` in code (starting a line, a span, `$(` or after `&&`). */
export function makeTargetsIn(markdown: string): string[] {
  const targets = [
    ...codeOf(markdown).matchAll(/(?:^\s*|`|\$\(|&&\s*|;\s*)make((?:\s+-[a-zA-Z]+)*)\s+([a-z][\w-]*)(?!=)/gm),
  ];
  return [...new Set(targets.map((m) => m[2] ?? ''))];
}

/** Each `npm run <script>` (and `npm test`) in code, with its workspace when `-w <name>` follows. */
export function npmScriptsIn(markdown: string): { script: string; workspace?: string }[] {
  const found = [
    ...codeOf(markdown).matchAll(
      /\bnpm (?:run\s+([\w:-]+)|(test)\b)(?:\s+(?:-w|--workspace)[\s=]+(\S+?)`?(?=\s|$))?/gm,
    ),
  ];
  return found.map((m) => {
    const script = m[1] ?? m[2] ?? '';
    return m[3] === undefined ? { script } : { script, workspace: m[3] };
  });
}
