import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { walkTree } from '../src/walk.ts';

const root = mkdtempSync(join(tmpdir(), 'walk-'));
const outside = mkdtempSync(join(tmpdir(), 'walk-outside-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});
for (const p of ['b/2.yaml', 'b/1.yaml', 'a/x/deep.yaml', '.git/config', 'c.txt']) {
  mkdirSync(join(root, p, '..'), { recursive: true });
  writeFileSync(join(root, p), 'x');
}
writeFileSync(join(outside, 'secret.yaml'), 'x');
symlinkSync(outside, join(root, 'link'));

const walk = (options: Parameters<typeof walkTree>[1], stopAt?: string) => {
  const seen: string[] = [];
  const stopped = walkTree(root, options, (p) => {
    seen.push(relative(root, p));
    return seen.at(-1) === stopAt;
  });
  return { seen, stopped };
};

describe('walkTree: the one bounded folder walk of @carbon/render', () => {
  it('visits every entry depth first in name order, skips what it is told, never follows a symbolic link', () => {
    expect(walk({ maxEntries: 100, skip: (n) => n.startsWith('.') }).seen).toEqual(['a', 'a/x', 'a/x/deep.yaml', 'b', 'b/1.yaml', 'b/2.yaml', 'c.txt', 'link']);
  });

  it('stops at its bound (counting only what `counts` accepts) and when the visitor says so', () => {
    expect(walk({ maxEntries: 3 }).seen).toHaveLength(3);
    const yaml = walk({ maxEntries: 2, counts: (e) => e.name.endsWith('.yaml'), skip: (n) => n.startsWith('.') });
    expect(yaml.seen.filter((p) => p.endsWith('.yaml'))).toEqual(['a/x/deep.yaml', 'b/1.yaml']);
    expect(yaml.stopped).toBe(false);
    expect(walk({ maxEntries: 100 }, 'b/1.yaml')).toEqual({ seen: ['.git', '.git/config', 'a', 'a/x', 'a/x/deep.yaml', 'b', 'b/1.yaml'], stopped: true });
  });
});
