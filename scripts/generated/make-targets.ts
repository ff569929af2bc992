/**
 * The Makefile's documented targets, read the way `make help` (scripts/make-help.awk) reads them:
 * `##@ <group>` starts a group, `<target>: ## <what it does> [<VARIABLES it reads>]` documents a
 * target. The docs' target lists are rendered from this, and test/make.test.ts checks it.
 */
export interface MakeTarget {
  readonly name: string;
  readonly group: string;
  readonly description: string;
  /** The variables the target's recipe or its scripts read, as its annotation names them. */
  readonly reads: readonly string[];
  /** Its prerequisites (targets make runs first). */
  readonly prerequisites: readonly string[];
}

const TARGET = /^([a-zA-Z0-9_-]+):([^#\n]*)## (.*)$/;
const READS = / \[([A-Z_ ]+)\]$/;

export function makeTargets(makefile: string): MakeTarget[] {
  const targets: MakeTarget[] = [];
  let group = '';
  for (const line of makefile.split('\n')) {
    if (line.startsWith('##@ ')) {
      group = line.slice(4).trim();
      continue;
    }
    const match = TARGET.exec(line);
    if (match === null) continue;
    const [, name = '', prerequisites = '', text = ''] = match;
    const reads = READS.exec(text);
    targets.push({
      name,
      group,
      description: reads === null ? text : text.slice(0, reads.index),
      reads: reads === null ? [] : (reads[1] ?? '').split(' ').filter(Boolean),
      prerequisites: prerequisites.split(/\s+/).filter(Boolean),
    });
  }
  return targets;
}

/** The groups in Makefile order, each with its targets. */
export function makeGroups(targets: readonly MakeTarget[]): Map<string, MakeTarget[]> {
  const groups = new Map<string, MakeTarget[]>();
  for (const target of targets) groups.set(target.group, [...(groups.get(target.group) ?? []), target]);
  return groups;
}
