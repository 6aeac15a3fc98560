import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { installedTool } from '@carbon/toolchain';
import { CAPACITY_MODEL, diffRevisions } from '../src/index.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
// The commit that introduced the generated output, and the one that pinned production to it.
const GENERATED = 'da48e66e038bc80a0b97a12d20698fc6a462e9c6';
const PINNED = 'a7d5534';
const has = (rev: string) => {
  try {
    execFileSync('git', ['-C', ROOT, 'cat-file', '-e', `${rev}^{commit}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

const shallow = execFileSync('git', ['-C', ROOT, 'rev-parse', '--is-shallow-repository'], { encoding: 'utf8' }).trim() === 'true';

// The one skip: a shallow clone does not hold the two commits this reads. In a full clone (CI's) a
// missing commit or a missing kustomize is a failure.
describe.skipIf(shallow)(`this repository${shallow ? ' (skipped: shallow clone, run `git fetch --unshallow`)' : ''}`, () => {
  beforeAll(() => {
    installedTool(ROOT, 'kustomize');
    for (const rev of [GENERATED, PINNED]) if (!has(rev)) throw new Error(`commit ${rev} is not in this clone's history`);
  });
  it('the bootstrap pin commit is a promotion for multi-node and no change for single-node, with headroom from the validate model', async () => {
    const report = await diffRevisions({ repo: ROOT, base: GENERATED, head: PINNED, toolsRoot: ROOT });
    const byCluster = Object.fromEntries(report.sections.map((s) => [`${s.cluster}:${s.kind}`, s]));
    expect(Object.keys(byCluster).sort()).toEqual(['multi-node:promotion', 'single-node:on-merge']);
    expect(byCluster['single-node:on-merge']!.resources).toEqual([]);
    const prod = byCluster['multi-node:promotion']!;
    expect(prod.title).toMatch(/^pins: .*trino none → da48e66/);
    expect(prod.services.find((s) => s.service === 'trino')!.added).toBeGreaterThan(0);
    expect(prod.capacity!.model).toBe(CAPACITY_MODEL);
    expect(prod.capacity!.after.cpuMillicores.requested).toBeGreaterThan(prod.capacity!.before.cpuMillicores.requested);
    expect(prod.capacity!.after.cpuMillicores.allocatable).toBe(24_000);
  }, 180_000);
});
