import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/src/main.ts';
import type { DiffReport } from '../src/index.ts';
import { installedTool } from '@carbon/toolchain';

const ROOT = resolve(import.meta.dirname, '../../..');
const CANARY = 'e2e-canary-QmV2ZXI=-value';

const flux = (name: string, path: string, source = 'flux-system') => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: { name: ${name}, namespace: flux-system }
spec: { interval: 10m, path: ${path}, prune: true, sourceRef: { kind: GitRepository, name: ${source} } }
`;
const source = (name: string, ref: string) => `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: { name: ${name}, namespace: flux-system }
spec: { interval: 1m, url: ssh://git@example.com/repo.git, ref: { ${ref} } }
`;
const app = (tag: string, conf: string, password: string) => ({
  'apps/web/kustomization.yaml': `resources: [deployment.yaml, secret.yaml]\nconfigMapGenerator:\n  - name: web-config\n    namespace: web\n    literals: ["app.conf=${conf}"]\n`,
  'apps/web/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: web }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: harbor.example/web:${tag}
          resources: { requests: { cpu: 250m, memory: 256Mi } }
          volumeMounts: [{ name: config, mountPath: /etc/web }]
      volumes: [{ name: config, configMap: { name: web-config } }]
`,
  'apps/web/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata: { name: web-db, namespace: web }\nstringData: { password: "${password}" }\n`,
});

let repo = '';
const commits: Record<string, string> = {};

function write(files: Record<string, string>): void {
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, p)), { recursive: true });
    writeFileSync(join(repo, p), text);
  }
}
function commit(message: string): string {
  const git = (...a: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.email=t@t', '-c', 'user.name=t', ...a], { encoding: 'utf8' }).trim();
  git('add', '.');
  git('commit', '-q', '-m', message);
  return git('rev-parse', 'HEAD');
}

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['diff', '--repo', repo, ...args], { out: (t) => (out += t), err: (t) => (err += t), cwd: ROOT, isTTY: false });
  return { code, out, err };
}

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'diff-e2e-'));
  execFileSync('git', ['-C', repo, 'init', '-q', '-b', 'main']);
  write({
    'clusters/staging/flux-system/sync.yaml': `${source('flux-system', 'branch: main')}---\n${flux('flux-system', './clusters/staging')}`,
    'clusters/staging/apps.yaml': flux('web', './apps/web'),
    'clusters/production/flux-system/sync.yaml': `${source('flux-system', 'branch: main')}---\n${flux('flux-system', './clusters/production')}`,
    ...app('455', 'threads=4', 'old-password'),
  });
  commits.a = commit('web 455');
  // Production runs web pinned at the first commit.
  write({ 'clusters/production/apps.yaml': `${source('web', `commit: ${commits.a}`)}---\n${flux('web', './apps/web', 'web')}` });
  commits.b = commit('pin production web');
  write(app('461', 'threads=8', CANARY));
  commits.c = commit('web 461');
  write({ 'clusters/production/apps.yaml': `${source('web', `commit: ${commits.c}`)}---\n${flux('web', './apps/web', 'web')}` });
  commits.d = commit('promote web');
  // Two more changes on main after the promotion: e is production's backlog when f is reviewed.
  write(app('462', 'threads=16', CANARY));
  commits.e = commit('web 462');
  write(app('463', 'threads=16', CANARY));
  commits.f = commit('web 463');
});

afterAll(() => {
  if (repo) rmSync(repo, { recursive: true, force: true });
});

describe('platform diff on a real git repository', () => {
  beforeAll(() => void installedTool(ROOT, 'kustomize')); // missing: a failure naming `npm run setup`
  it('renders both revisions, per cluster, with the pending promotion and masked secrets, without touching the working tree', async () => {
    const status = () => execFileSync('git', ['-C', repo, 'status', '--porcelain'], { encoding: 'utf8' });
    const before = status();
    const tmpBefore = readdirSync(tmpdir()).filter((d) => d.startsWith('carbon-diff-')).length;
    const { code, out, err } = await cli('--base', commits.b!, '--head', commits.c!, '--format', 'json');
    expect(err).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(out) as DiffReport;
    // Staging (applies on merge) first, then production: this change when promoted, then the backlog.
    expect(report.sections.map((s) => `${s.cluster}:${s.kind}`)).toEqual(['staging:on-merge', 'production:pending-promotion', 'production:backlog']);
    const staging = report.sections[0]!;
    const changes = Object.fromEntries(staging.resources.map((r) => [r.ref, r.change]));
    expect(changes['Deployment web/web']).toBe('changed');
    expect(changes['Secret web/web-db']).toBe('changed');
    expect(Object.entries(changes).find(([ref]) => ref.startsWith('ConfigMap web/web-config-'))![1]).toBe('renamed');
    expect(staging.risks.some((r) => r.category === 'image' && r.message.includes('harbor.example/web 455 → 461'))).toBe(true);
    // Production: base's version promoted vs head's version promoted; nothing is pending beyond this change.
    const prod = report.sections[1]!;
    expect(prod.resources.find((r) => r.ref === 'Deployment web/web')?.change).toBe('changed');
    expect(report.sections[2]!.resources).toEqual([]);
    expect(out).not.toContain(CANARY);
    expect(status()).toBe(before);
    expect(execFileSync('git', ['-C', repo, 'worktree', 'list'], { encoding: 'utf8' }).trim().split('\n')).toHaveLength(1);
    expect(readdirSync(tmpdir()).filter((d) => d.startsWith('carbon-diff-')).length).toBeLessThanOrEqual(tmpBefore);
  });

  it('a promotion (pins change) shows the production diff between old and new pins', async () => {
    const { code, out } = await cli('--base', commits.c!, '--head', commits.d!, '--format', 'markdown');
    expect(code).toBe(0);
    expect(out).toContain('production — promotion (old pins → new pins)');
    expect(out).toContain(`pins: web ${commits.a!.slice(0, 7)} → ${commits.c!.slice(0, 7)}`);
    expect(out).toMatch(/harbor\.example\/web tag 455 → 461|harbor\.example\/web:455/);
    expect(out).toContain('**No changes** for staging');
    expect(out).not.toContain(CANARY);
  });

  it("the production backlog is one collapsed line; the PR's own production change comes first", async () => {
    const { code, out } = await cli('--base', commits.e!, '--head', commits.f!, '--format', 'markdown');
    expect(code).toBe(0);
    const own = out.indexOf('### production — when promoted');
    const backlog = out.indexOf('<details><summary>production production backlog, not this change: 1 service');
    expect(out.indexOf('### staging — applies on merge')).toBeGreaterThan(0);
    expect(own).toBeGreaterThan(out.indexOf('### staging — applies on merge'));
    expect(backlog).toBeGreaterThan(own);
    // This PR: 462 → 463. The backlog (pins at c: 461 → 462) is not listed as the PR's change.
    const ownPart = out.slice(own, backlog);
    expect(ownPart).toContain('harbor.example/web 462 → 463');
    expect(ownPart).not.toContain('461');
    expect(out).toContain(`production pins (web at ${commits.c!.slice(0, 7)})`);
    expect(out).not.toContain(CANARY);
    const json = JSON.parse((await cli('--base', commits.e!, '--head', commits.f!, '--format', 'json')).out) as DiffReport;
    // Totals count this change only.
    expect(json.totals.changed).toBe(json.sections.filter((s) => s.kind !== 'backlog').reduce((n, s) => n + s.resources.filter((r) => r.change === 'changed').length, 0));
  });

  it('terminal output and identical revisions', async () => {
    const same = await cli('--base', commits.c!, '--head', commits.c!);
    expect(same.code).toBe(0);
    expect(same.out).toContain('No changes');
    const t = await cli('--base', commits.b!, '--head', commits.c!, '--format', 'terminal');
    expect(t.out).toContain('staging — applies on merge');
    expect(t.out).not.toContain(CANARY);
  });

  it('--head WORKTREE reads uncommitted changes without writing them', async () => {
    const file = join(repo, 'apps/web/deployment.yaml');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('replicas: 2', 'replicas: 1'));
    try {
      const { code, out } = await cli('--base', 'HEAD', '--head', 'WORKTREE', '--format', 'json', '--cluster', 'staging');
      expect(code).toBe(0);
      const report = JSON.parse(out) as DiffReport;
      expect(report.head.commit).toBe('WORKTREE');
      expect(report.sections.map((s) => s.cluster)).toEqual(['staging']);
      expect(report.sections[0]!.resources).toEqual([expect.objectContaining({ ref: 'Deployment web/web', change: 'changed', fields: [{ path: 'spec.replicas', op: 'changed', before: 2, after: 1 }] })]);
      expect(report.sections[0]!.risks).toEqual([expect.objectContaining({ category: 'replicas-reduced', message: 'spec.replicas 2 → 1' })]);
      expect(readFileSync(file, 'utf8')).toContain('replicas: 1');
    } finally {
      writeFileSync(file, original);
    }
  });

  it('JSON has the documented top-level shape (docs/cli.md, "diff --format json")', async () => {
    const { out } = await cli('--base', commits.b!, '--head', commits.c!, '--format', 'json');
    const report = JSON.parse(out) as Record<string, any>;
    expect(Object.keys(report).sort()).toEqual(['base', 'head', 'schemaVersion', 'sections', 'totals', 'warnings']);
    expect(report.schemaVersion).toBe(1);
    for (const s of report.sections) {
      expect(Object.keys(s).filter((k) => k !== 'capacity').sort()).toEqual(['cluster', 'kind', 'repeated', 'resources', 'risks', 'services', 'title']);
      for (const r of s.resources) expect(Object.keys(r).filter((k) => k !== 'from').sort()).toEqual(['change', 'fields', 'id', 'ref', 'service']);
    }
    const doc = readFileSync(resolve(ROOT, 'docs/cli.md'), 'utf8');
    expect(doc).toContain('### diff --format json');
    for (const key of ['schemaVersion', 'totals', 'warnings', 'sections', 'repeated', 'risks', 'capacity', 'similarity']) expect(doc).toContain(key);
  });

  it('bad refs and flags exit 2 with a clear message', async () => {
    const bad = await cli('--base', 'no-such-ref');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('unknown revision "no-such-ref"');
    expect((await cli('--base', '--upload-pack=x')).code).toBe(2);
    const optionLike = await cli('--base=--output=/tmp/pwned');
    expect(optionLike.code).toBe(2);
    expect(optionLike.err).toContain('is not a git revision');
    expect((await cli()).code).toBe(2);
    expect((await cli('--base', 'HEAD', '--format', 'xml')).code).toBe(2);
  });

  it('--full-output writes the full markdown report for the job summary', async () => {
    const file = join(repo, '..', `${repo.split('/').pop()}-full.md`);
    const { code } = await cli('--base', commits.b!, '--head', commits.c!, '--format', 'markdown', '--full-output', file);
    expect(code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('<details>');
    rmSync(file);
  });

  it('a revision that cannot be rendered exits 2 naming the file (last: it adds a commit)', async () => {
    write({ 'apps/web/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web\n' });
    const broken = commit('broken yaml');
    const { code, err } = await cli('--base', commits.d!, '--head', broken);
    expect(code).toBe(2);
    expect(err).toContain('cannot be rendered');
    expect(err).toContain('apps/web');
    expect(execFileSync('git', ['-C', repo, 'worktree', 'list'], { encoding: 'utf8' }).trim().split('\n')).toHaveLength(1);
  });
});
