/**
 * @models Dockerfile syntax as BuildKit's parser reads it (stages, line continuations, comments)
 *
 * Line handling from moby/buildkit frontend/dockerfile/parser/parser.go (Parse,
 * trimContinuationCharacter, isComment, isEmptyContinuationLine; read at a stored version: the kit
 * pins no BuildKit, Docker brings its own). Not modelled: parser directives (`# escape=`), heredocs,
 * variable expansion, JSON-form parsing beyond exec-form detection.
 *
 * A small Dockerfile reader and the rules every service image must meet (test/dockerfiles.test.ts).
 */

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

/** Instructions grouped by stage, with line continuations joined and comments dropped. */
export function parseDockerfile(text: string): Stage[] {
  const stages: { from: string; name: string | undefined; instructions: Instruction[] }[] = [];
  const lines = text.split('\n');
  // parser.go: a line continues when it ends in one backslash (then optional blanks), which is
  // removed; the next line is appended as it is (no space added, its indentation kept); comment and
  // empty lines inside a continuation are skipped.
  const continuation = /([^\\])\\[ \t]*$|^\\[ \t]*$/;
  const skipped = (line: string): boolean => /^\s*(#|$)/.test(line);
  for (let index = 0; index < lines.length; index += 1) {
    const start = index + 1;
    let current = lines[index] ?? '';
    if (skipped(current)) continue;
    let open = continuation.test(current);
    current = current.replace(continuation, '$1');
    while (open && index + 1 < lines.length) {
      index += 1;
      const next = lines[index] ?? '';
      if (skipped(next)) continue;
      open = continuation.test(next);
      current += next.replace(continuation, '$1');
    }
    const match = /^\s*(\w+)\s+(.*)$/.exec(current);
    if (match === null) throw new Error(`line ${start}: cannot read '${current}'`);
    const keyword = (match[1] ?? '').toUpperCase();
    const args = (match[2] ?? '').trim();
    if (keyword === 'FROM') {
      const [from = '', as, name] = args.split(/\s+/).filter((word) => !word.startsWith('--'));
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) throw new Error(`line ${start}: ${keyword} before the first FROM`);
    stage.instructions.push({ keyword, args, line: start });
  }
  return stages;
}

function isExecForm(args: string | undefined): boolean {
  try {
    const parsed: unknown = JSON.parse(args ?? '');
    return Array.isArray(parsed) && parsed.length > 0 && parsed.every((part) => typeof part === 'string');
  } catch {
    return false;
  }
}

/** Each broken rule, as a sentence; empty when the Dockerfile meets them all. */
export function dockerfileProblems(text: string): string[] {
  const problems: string[] = [];
  const stages = parseDockerfile(text);
  const final = stages.at(-1);
  if (final === undefined) return ['no FROM'];
  const stageNames = new Set(stages.map((stage) => stage.name).filter((name) => name !== undefined));

  for (const stage of stages) {
    if (stageNames.has(stage.from)) continue;
    const tag = /^[^@]+:([^/@]+)(@sha256:[0-9a-f]{64})?$/.exec(stage.from);
    if (tag === null || tag[1] === 'latest') problems.push(`base image '${stage.from}' is not pinned to a tag`);
  }

  const user = final.instructions.filter((i) => i.keyword === 'USER').at(-1);
  if (user === undefined) problems.push('final stage runs as root (no USER)');
  else if (!/^[1-9]\d*(:[1-9]\d*)?$/.test(user.args)) {
    problems.push(`final stage USER '${user.args}' is not a numeric non-root uid (runAsNonRoot needs a number)`);
  }

  const entry = final.instructions.filter((i) => i.keyword === 'ENTRYPOINT' || i.keyword === 'CMD').at(-1);
  if (!isExecForm(entry?.args))
    problems.push('entrypoint is not in exec form (JSON array): SIGTERM would not reach node');

  for (const instruction of final.instructions) {
    if (instruction.keyword === 'RUN' && /\bnpm (ci|install|i)\b/.test(instruction.args)) {
      if (!/--omit=dev\b/.test(instruction.args)) {
        problems.push(`final stage installs packages with dev dependencies (line ${instruction.line})`);
      }
    }
    if (instruction.keyword === 'COPY' && /node_modules/.test(instruction.args)) {
      const from = /--from=(\S+)/.exec(instruction.args)?.[1];
      const source = stages.find((stage) => stage.name === from);
      const install = source?.instructions.find((i) => i.keyword === 'RUN' && /\bnpm (ci|install|i)\b/.test(i.args));
      if (install === undefined || !/--omit=dev\b/.test(install.args)) {
        problems.push(
          `final stage copies node_modules from '${from ?? 'the build context'}', not a production-only install`,
        );
      }
    }
  }
  return problems;
}
