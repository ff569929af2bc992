/**
 * docs/testing.md's table of models stays in step with the models: every model file under the tests
 * has a row, and every row names files that exist. A model file is one whose opening names the
 * component it imitates with a `@models` line, or one (not a test) whose name says it is a model, a
 * stand-in or a fake.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sectionOf } from './support/markdown.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const TEST_DIRS = /^(test|test-support|infra\/[^/]+\/test|services\/[^/]+\/test|infra\/cdk8s\/src\/gateway-model)\//;
const NAMED_AS_MODEL = /(^|[-.])(model|stand-in)\.|^fake-/;

/** The source files of the tests and test support that git knows (tracked, plus new ones not ignored). */
function testFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', '*.ts', '*.sh'], {
    cwd: root,
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .filter((file) => TEST_DIRS.test(file) && !file.includes('/fixtures/') && existsSync(join(root, file)));
}

/** A test of a model (rate-limit-model.test.ts) is not one, unless it holds a stand-in marked `@models`. */
const isModel = (file: string): boolean =>
  (NAMED_AS_MODEL.test(basename(file)) && !file.endsWith('.test.ts')) ||
  /^\s*(\/\/|\*|#)\s*@models /m.test(readFileSync(join(root, file), 'utf8').slice(0, 1500));

/** The rows of the table: the files in the first cell, and every cell. */
function rows(): { files: string[]; cells: string[] }[] {
  const section = sectionOf(readFileSync(join(root, 'docs', 'testing.md'), 'utf8'), 'Models and what they imitate');
  return section
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| Model |'))
    .map((line) => {
      const cells = line.split(' | ').map((cell) => cell.replace(/^\| ?| ?\|$/g, '').trim());
      const files = [...(cells[0] ?? '').matchAll(/`([^`\s]+\.(?:ts|sh))`/g)].map((m) => m[1]!);
      return { files, cells };
    });
}

describe('the table of models in docs/testing.md', () => {
  const table = rows();
  const named = new Set(table.flatMap((row) => row.files));

  it('has a row for every model file under the tests', () => {
    const models = testFiles().filter(isModel);
    expect(models.length).toBeGreaterThan(10);
    expect(models.filter((file) => !named.has(file))).toEqual([]);
  });

  it('names only files that exist, and says for each what it imitates, its rules and what it leaves out', () => {
    expect(table.length).toBeGreaterThan(0);
    for (const row of table) {
      expect(row.files.length, row.cells[0]).toBeGreaterThan(0);
      expect(row.files.filter((file) => !existsSync(join(root, file)))).toEqual([]);
      expect(
        row.cells.filter((cell) => cell !== ''),
        row.cells[0],
      ).toHaveLength(4);
    }
  });

  it('keeps the gateway filter chain’s row', () => {
    expect(named.has('infra/cdk8s/test/support/gateway-model.ts')).toBe(true);
  });
});
