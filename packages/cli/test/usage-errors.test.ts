import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRepoRoot } from '@carbon/toolchain';
import { ks, writeRepo } from '../../render/test/fixture.ts';
import { main } from '../src/main.ts';

/**
 * Hostile or mistaken usage is an error (exit 2) that says what was expected and lists the valid
 * choices; it never turns into a green "0 errors" / "No changes", never echoes content from outside
 * the repository, and writes nothing.
 */

const root = findRepoRoot(process.cwd());
const OUTSIDE = /root:x:0:0|\/bin\/(ba)?sh\b/;

/** Every file below `dir` (relative), to prove a failed command wrote nothing. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => join(e.parentPath, e.name).slice(dir.length))
    .filter((p) => !p.includes('/.git/'))
    .sort();
}

async function cli(argv: string[], cwd = root): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t), cwd, isTTY: false });
  return { code, out, err };
}

function expectUsage(r: { code: number; out: string; err: string }, ...said: RegExp[]): void {
  expect(r.code, r.err).toBe(2);
  for (const re of said) expect(r.err).toMatch(re);
  expect(r.out + r.err).not.toMatch(OUTSIDE);
}

const fluxRepo = (git = false) => writeRepo({ 'clusters/test/web.yaml': ks('web', './apps/web'), 'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: web\ndata:\n  a: b\n' }, { git });

describe('usage errors are errors (exit 2, what was expected, the valid choices)', () => {
  it('validate --path <empty folder>', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'empty-'));
    const r = await cli(['validate', '--path', dir]);
    expectUsage(r, /is not a Flux repository: the folder is empty/, /clusters\/<name>\//);
    expect(tree(dir)).toEqual([]);
  });

  it('validate --path <a folder that is not a Flux repository> (and capacity)', async () => {
    const dir = writeRepo({ 'README.md': '# notes\n', 'src/index.ts': 'export {};\n', 'data/list.yaml': '- a\n- b\n' });
    const before = tree(dir);
    for (const command of ['validate', 'capacity']) {
      const r = await cli([command, '--path', dir, '--format', command === 'validate' ? 'json' : 'text']);
      expectUsage(r, /no cluster, Flux Kustomization, kustomization.yaml or Kubernetes manifest was found/);
      expect(r.out).toBe('');
    }
    expect(tree(dir)).toEqual(before);
  });

  it('validate --path <folder with an empty clusters/>', async () => {
    const dir = writeRepo({ 'clusters/.keep': '' });
    expectUsage(await cli(['validate', '--path', dir]), /is not a Flux repository/);
  });

  it('validate --cluster ../../etc and an unknown name list the clusters there are', async () => {
    const dir = fluxRepo();
    const before = tree(dir);
    for (const name of ['../../etc', 'prod', '/etc/passwd']) {
      const r = await cli(['validate', '--path', dir, '--cluster', name, '--format', 'sarif']);
      expectUsage(r, /--cluster: ".*" is not a cluster of this repository/, /valid choices: test/);
      expect(r.out).toBe('');
    }
    expect(tree(dir)).toEqual(before);
  });

  it('validate --cluster on this repository names both clusters', async () => {
    expectUsage(await cli(['validate', '--cluster', '../../etc']), /valid choices: multi-node, single-node/);
  });

  it('diff --cluster ../../etc exits 2 (it said "No changes"), leaves no worktree behind', async () => {
    const dir = fluxRepo(true);
    const before = tree(dir);
    const r = await cli(['diff', '--repo', dir, '--base', 'HEAD', '--cluster', '../../etc', '--format', 'markdown']);
    expectUsage(r, /"\.\.\?\.\.\?etc" is not a cluster/, /valid choices: test/);
    expect(r.out).toBe('');
    expect(tree(dir)).toEqual(before);
  });

  it('diff --cluster <a cluster only at head> is a valid choice', async () => {
    const dir = fluxRepo(true);
    mkdirSync(join(dir, 'clusters/new'), { recursive: true });
    writeFileSync(join(dir, 'clusters/new/web.yaml'), ks('web', './apps/web'));
    const r = await cli(['diff', '--repo', dir, '--base', 'HEAD', '--head', 'WORKTREE', '--cluster', 'new', '--format', 'json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).sections.map((s: { cluster: string }) => s.cluster)).toEqual(['new']);
  });

  it('promote --history ../../etc, rollback and promote with a service that is not a DNS label: exit 2 with the services', async () => {
    const cases = [
      ['promote', '--history', '../../etc'],
      ['promote', '--history', 'nope'],
      ['rollback', '--service', '../../etc', '--dry-run'],
      ['promote', '--service', 'Trino;id', '--revision', 'a'.repeat(40), '--dry-run'],
    ];
    for (const argv of cases) {
      const r = await cli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(/valid choices: .*\btrino\b.*\bvault\b/);
      expect(r.err).toMatch(argv.includes('nope') ? /no service "nope" under apps\// : /is not a service name \(a DNS-1123 label/);
      expect(r.out + r.err).not.toMatch(OUTSIDE);
      expect(r.err).not.toContain(';id');
    }
  });
});
