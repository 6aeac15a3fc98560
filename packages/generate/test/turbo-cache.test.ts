import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../../..');

/** turbo's task hashes for `generate`: a task whose hash is unchanged is a cache hit, i.e. not regenerated. */
function generateHashes(root: string): Map<string, string> {
  const out = execFileSync(join(REPO, 'node_modules/.bin/turbo'), ['run', 'generate', '--dry=json'], {
    cwd: root,
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', TURBO_NO_UPDATE_NOTIFIER: '1', DO_NOT_TRACK: '1' },
    encoding: 'utf8',
  });
  const dry = JSON.parse(out) as { tasks: { taskId: string; hash: string; command: string }[] };
  return new Map(dry.tasks.filter((t) => t.taskId.endsWith('#generate') && t.command !== '<NONEXISTENT>').map((t) => [t.taskId, t.hash]));
}

describe('turbo generate caching', () => {
  let root = '';
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'carbon-turbo-'));
    for (const entry of ['package.json', 'package-lock.json', 'turbo.json', 'tsconfig.base.json', 'apps', 'packages', 'clusters', 'tooling']) {
      cpSync(join(REPO, entry), join(root, entry), { recursive: true, filter: (src) => !src.includes('node_modules') });
    }
    symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('an edit to one service changes only its task and the tasks that read every definition', () => {
    const before = generateHashes(root);
    expect(before.size).toBeGreaterThan(10);
    const file = join(root, 'apps/trino/src/service.ts');
    writeFileSync(file, readFileSync(file, 'utf8').replace("tag: '455'", "tag: '456'"));
    const after = generateHashes(root);
    const changed = [...after].filter(([task, hash]) => before.get(task) !== hash).map(([task]) => task).sort();
    // The portal catalog, the tunnel routes and the Flux wiring read every definition; nothing else does.
    expect(changed).toEqual(['@carbon/app-cloudflared#generate', '@carbon/app-portal#generate', '@carbon/app-trino#generate', '@carbon/clusters#generate']);
  });
});
