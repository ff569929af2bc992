import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageNodeMajor } from '../scripts/bench/image-node.js';

const dockerfile = (text: string): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'image-node-')), 'Dockerfile');
  writeFileSync(path, text);
  return path;
};

describe('the Node the benchmarks run under', () => {
  it("is the major of the image's last stage, platform flags and all", () => {
    const path = dockerfile(
      'FROM --platform=$BUILDPLATFORM node:22-alpine AS build\nRUN true\nFROM node:24.3-alpine\nCMD ["node"]\n',
    );
    expect(imageNodeMajor(path)).toBe(24);
  });

  it("is the repository Dockerfile's runtime stage, whose base is the NODE_IMAGE argument's default", () => {
    const text = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
    expect(text.match(/^FROM .*$/gm)!.at(-1)).toBe('FROM ${NODE_IMAGE}');
    expect(text).toMatch(new RegExp(`^ARG NODE_IMAGE=node:${imageNodeMajor()}-alpine$`, 'm'));
  });

  it('reads a base given by an ARG default', () => {
    const path = dockerfile('ARG BASE=node:22-alpine\nFROM node:24-alpine AS build\nFROM ${BASE}\n');
    expect(imageNodeMajor(path)).toBe(22);
  });

  it('refuses a Dockerfile without a node base image, naming the file', () => {
    const path = dockerfile('FROM debian:12\n');
    expect(() => imageNodeMajor(path)).toThrow(`${path}: no FROM node:<major> line`);
  });
});
