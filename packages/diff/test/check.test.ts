import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RenderCache } from '@carbon/render';
import { validate } from '@carbon/validate';
import { main } from '../../cli/src/main.ts';
import { check, diffRevisions, WORKTREE } from '../src/index.ts';
import { deployment, fixture } from './check-fixture.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

describe('check', () => {
  it('gives the findings of validate and the diff of diffRevisions, building each distinct input once', async () => {
    const repo = fixture();
    writeFileSync(join(repo, 'apps/b/deployment.yaml'), deployment('b', '2.0')); // one service changes
    const cache = new RenderCache();
    const result = await check({ root: ROOT, path: repo, base: 'HEAD', cache, schema: false });
    // The cluster folder and a, b, c at head; b again at base: 5 builds, the other 3 base builds reused.
    expect(result.render.kustomizeRuns).toBe(5);
    expect(cache.stats.hits).toBe(3);
    const alone = await validate({ root: ROOT, path: repo, schema: false, cache: new RenderCache() });
    expect(result.validate.findings).toEqual(alone.findings);
    const diff = await diffRevisions({ repo, base: 'HEAD', head: WORKTREE, toolsRoot: ROOT });
    expect(result.diff).toEqual(diff);
    expect(result.diff.totals.changed).toBe(1);
    expect(result.diff.sections[0]!.resources.map((r) => `${r.change} ${r.id.kind}/${r.id.name}`)).toEqual(['changed Deployment/b']);
    expect(result.capacity).toEqual([]);
  });

  it('platform check: --base is required, an unknown one is a usage error (exit 2)', async () => {
    let err = '';
    const io = { out: () => undefined, err: (t: string) => (err += t), cwd: ROOT, isTTY: false };
    expect(await main(['check'], io)).toBe(2);
    expect(err).toContain('--base REF is required');
    err = '';
    expect(await main(['check', '--base', 'no-such-ref-xyz'], io)).toBe(2);
    expect(err).toContain('unknown revision');
  });
});
