import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exitCodeOf, formatFindings, FORMATS, validate, type Finding } from '@carbon/validate';
import { installedTool } from '@carbon/toolchain';
import { ALIAS_BOMB, loopbackListener, measure, type Listener } from '../../toolchain/test/harness.ts';
import { main } from '../src/main.ts';
import { writeFiles as writeRepoFiles } from '../../render/test/fixture.ts';

/**
 * Hostile pull requests against the render behind `platform validate` and `platform diff`
 * (issue 13, items 1-4): files outside the repository, remote bases, inputs built to exhaust
 * memory or time, and input Flux or the API server would refuse (encodings, sizes, names). Each
 * case asserts the exit code (2), a located message (file and line of the reference), that
 * nothing of the outside target reaches any output format (validate: pretty, json, junit, sarif,
 * github; diff: terminal error, json, markdown and its --full-output file),
 * that no connection reached a loopback listener, and that no file was written (working tree,
 * temp folders). The two resource bombs run as a separate `platform validate` process whose
 * whole tree is measured: exit 2 within 15 s, peak RSS under 1 GiB, nothing left running.
 */

const ROOT = resolve(import.meta.dirname, '../../..');
const CANARY = 'hostile-canary-7f3b9c-outside-the-repo';
const ENV_CANARY = 'hostile-env-canary-41d2e8';
const PASSWD = 'root:x:0:0';
const GiB = 1024 * 1024 * 1024;

// Every temp folder this file's runs make goes here, so "nothing left behind" can be checked.
const TMP = mkdtempSync(join(tmpdir(), 'hostile-'));
const RUN_TMP = join(TMP, 'run');
mkdirSync(RUN_TMP);
process.env.TMPDIR = RUN_TMP;
// /proc/self/environ of anything this process starts carries this value.
process.env.HOSTILE_ENV_CANARY = ENV_CANARY;

/** Outside the repository: a file and a folder holding a kustomization, both full of canaries. */
const OUTSIDE = join(TMP, 'outside');
const OUTSIDE_FILE = join(OUTSIDE, 'canary.yaml');

const flux = (name: string, path: string, source = 'flux-system') => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: flux-system
spec:
  interval: 10m
  path: ${path}
  prune: true
  sourceRef: { kind: GitRepository, name: ${source} }
`;
const gitSource = (name: string, ref: string) => `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: { name: ${name}, namespace: flux-system }
spec: { interval: 1m, url: ssh://git@example.com/repo.git, ref: { ${ref} } }
`;
const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: web\ndata:\n  a: b\n`;

const BASE: Record<string, string> = {
  'clusters/staging/flux-system/sync.yaml': `${gitSource('flux-system', 'branch: main')}---\n${flux('flux-system', './clusters/staging')}`,
  'clusters/staging/apps.yaml': flux('web', './apps/web'),
  'apps/web/kustomization.yaml': 'resources:\n- cm.yaml\n',
  'apps/web/cm.yaml': configMap('web'),
};

type Case = {
  name: string;
  files?: Record<string, string | Buffer>;
  /** path in the repo → symlink target (absolute, or relative to the link's folder). */
  links?: Record<string, string>;
  /** What must be reported: the check (INP001 unless said), file, line (and column), message. */
  expect: { id?: string; file: string; line?: number; column?: number; message: RegExp };
};

let listener: Listener;
const port = () => listener.port;

const CASES = (): Case[] => [
  {
    name: 'configMapGenerator files: motd=/etc/passwd',
    files: { 'apps/web/kustomization.yaml': 'resources:\n- cm.yaml\nconfigMapGenerator:\n- name: motd\n  namespace: web\n  files:\n  - motd=/etc/passwd\n' },
    expect: { file: 'apps/web/kustomization.yaml', line: 7, message: /"\/etc\/passwd" is an absolute path/ },
  },
  {
    name: 'configMapGenerator envs: /proc/self/environ (the runner tokens)',
    files: { 'apps/web/kustomization.yaml': 'resources:\n- cm.yaml\nconfigMapGenerator:\n- name: env\n  namespace: web\n  envs:\n  - /proc/self/environ\n' },
    expect: { file: 'apps/web/kustomization.yaml', line: 7, message: /"\/proc\/self\/environ" is an absolute path/ },
  },
  {
    name: 'secretGenerator file through ../ to /proc/self/environ',
    files: { 'apps/web/kustomization.yaml': 'resources:\n- cm.yaml\nsecretGenerator:\n- name: env\n  namespace: web\n  files:\n  - env=../../../../../../../../../../proc/self/environ\n' },
    expect: { file: 'apps/web/kustomization.yaml', line: 7, message: /leaves the repository/ },
  },
  {
    name: 'a resource file that is a symlink to /etc/passwd',
    files: { 'apps/web/kustomization.yaml': 'resources:\n- cm.yaml\n- passwd.yaml\n' },
    links: { 'apps/web/passwd.yaml': '/etc/passwd' },
    expect: { file: 'apps/web/kustomization.yaml', line: 3, message: /"passwd\.yaml" is \(or goes through\) a symbolic link that leads outside/ },
  },
  {
    name: 'a resource folder that is a symlink out of the repository',
    files: { 'apps/web/kustomization.yaml': 'resources:\n- cm.yaml\n- linked\n' },
    links: { 'apps/web/linked': OUTSIDE },
    expect: { file: 'apps/web/kustomization.yaml', line: 3, message: /"linked" is \(or goes through\) a symbolic link/ },
  },
  {
    name: 'an absolute patches path',
    files: { 'apps/web/kustomization.yaml': `resources:\n- cm.yaml\npatches:\n- path: ${OUTSIDE_FILE}\n` },
    expect: { file: 'apps/web/kustomization.yaml', line: 4, message: /is an absolute path/ },
  },
  {
    name: 'a resource ../ escape to a file outside',
    files: { 'apps/web/kustomization.yaml': 'resources:\n- cm.yaml\n- RELATIVE_OUTSIDE\n' },
    expect: { file: 'apps/web/kustomization.yaml', line: 3, message: /leaves the repository/ },
  },
  {
    name: 'a Flux spec.path through a symlinked folder',
    files: { 'clusters/staging/apps.yaml': flux('web', './linked') },
    links: { linked: OUTSIDE },
    expect: { file: 'clusters/staging/apps.yaml', line: 1, message: /spec\.path "linked" is \(or goes through\) a symbolic link/ },
  },
  {
    name: 'a symlink in a cluster folder Flux reads without a kustomization.yaml',
    links: { 'clusters/staging/leak.yaml': OUTSIDE_FILE },
    expect: { file: 'clusters/staging/leak.yaml', message: /symbolic link that leads outside the repository/ },
  },
  {
    name: 'openapi, crds, replacements, helm values and transformers outside',
    files: { 'apps/web/kustomization.yaml': `resources:\n- cm.yaml\nopenapi:\n  path: ${OUTSIDE_FILE}\ncrds:\n- ../../../x.yaml\nhelmCharts:\n- name: c\n  valuesFile: /etc/passwd\n` },
    expect: { file: 'apps/web/kustomization.yaml', line: 4, message: /openapi path .* is an absolute path/ },
  },
  {
    name: 'a remote base over http with ?ref=',
    files: { 'apps/web/kustomization.yaml': 'resources:\n- cm.yaml\n- http://127.0.0.1:PORT/org/repo?ref=main\n' },
    expect: { file: 'apps/web/kustomization.yaml', line: 3, message: /is remote: rendering never fetches/ },
  },
  {
    name: 'a remote base as github.com/…',
    files: { 'apps/web/kustomization.yaml': 'resources:\n- cm.yaml\n- github.com/example/repo//base?ref=v1\n' },
    expect: { file: 'apps/web/kustomization.yaml', line: 3, message: /is remote/ },
  },
  {
    name: 'a remote base as git@host:repo',
    files: { 'apps/web/kustomization.yaml': 'bases:\n- git@127.0.0.1:org/repo.git\nresources:\n- cm.yaml\n' },
    expect: { file: 'apps/web/kustomization.yaml', line: 2, message: /is remote/ },
  },
  {
    name: 'a YAML alias bomb (billion laughs)',
    files: { 'apps/web/kustomization.yaml': 'resources:\n- cm.yaml\n- bomb.yaml\n', 'apps/web/bomb.yaml': ALIAS_BOMB },
    expect: { file: 'apps/web/bomb.yaml', message: /expands to more than .* nodes through YAML aliases/ },
  },
  {
    name: 'an alias bomb in a cluster folder that mentions Flux (read by cluster discovery too)',
    files: { 'clusters/staging/bomb.yaml': `# kustomize.toolkit.fluxcd.io/v1\n${ALIAS_BOMB}` },
    expect: { file: 'clusters/staging/bomb.yaml', message: /expands to more than .* nodes through YAML aliases/ },
  },
  {
    name: 'nesting 5000 levels deep',
    files: { 'apps/web/kustomization.yaml': 'resources:\n- cm.yaml\n- deep.yaml\n', 'apps/web/deep.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep, namespace: web}\ndata: {a: "${'['.repeat(5000)}"}\nx: ${'['.repeat(5000)}${']'.repeat(5000)}\n` },
    expect: { file: 'apps/web/deep.yaml', message: /nesting deeper than 100 levels/ },
  },
  {
    name: 'a 9 MiB file',
    files: { 'apps/web/kustomization.yaml': 'resources:\n- cm.yaml\n- big.yaml\n', 'apps/web/big.yaml': `${configMap('big')}  big: "${'x'.repeat(9 * 1024 * 1024)}"\n` },
    expect: { file: 'apps/web/big.yaml', message: /over the 8\.0 MiB limit/ },
  },
  // Item 4: what kustomize (in Flux) refuses to read is refused before anything parses it, located to the byte.
  {
    name: 'a NUL byte in a folder Flux reads without a kustomization.yaml (it generates one)',
    files: { 'clusters/staging/plain.yaml': flux('plain', './apps/plain'), 'apps/plain/deep/cm.yaml': `${configMap('plain')}  nul: "a\u0000b"\n` },
    expect: { id: 'INP002', file: 'apps/plain/deep/cm.yaml', line: 8, column: 10, message: /control character U\+0000 \(NUL\) .*byte offset/ },
  },
  {
    name: 'bytes that are not UTF-8 in a listed resource',
    files: { 'apps/web/kustomization.yaml': 'resources:\n- cm.yaml\n- latin1.yaml\n', 'apps/web/latin1.yaml': Buffer.concat([Buffer.from(`${configMap('latin1')}  word: "caf`), Buffer.from([0xe9]), Buffer.from('"\n')]) },
    expect: { id: 'INP002', file: 'apps/web/latin1.yaml', line: 8, column: 13, message: /byte 0xe9 is not valid UTF-8 .*byte offset/ },
  },
  {
    name: 'a DEL control character in a kustomization.yaml',
    files: { 'apps/web/kustomization.yaml': 'resources:\n- cm.yaml\n# \u007f\n' },
    expect: { id: 'INP002', file: 'apps/web/kustomization.yaml', line: 3, column: 3, message: /U\+007F \(DEL\)/ },
  },
];

/**
 * Item 4: objects the API server refuses although kustomize builds them. The render succeeds (so
 * `platform diff` shows the change, exit 0); `platform validate` refuses them: exit 2, located.
 */
const API_CASES = (): Case[] => [
  {
    name: 'a 2 MiB ConfigMap (under the 8 MiB file limit, over the API server\'s 1 MiB)',
    files: { 'apps/web/kustomization.yaml': 'resources:\n- cm.yaml\n- big.yaml\n', 'apps/web/big.yaml': `${configMap('big')}  big: "${'x'.repeat(2 * 1024 * 1024)}"\n` },
    expect: { id: 'INP003', file: 'apps/web/big.yaml', line: 6, message: /ConfigMap "big" holds 2\.00 MiB .*over 1\.00 MiB \(1048576 bytes, MaxSecretSize\)/ },
  },
  {
    name: 'a configMapGenerator file of 1 MiB + 1 byte (located at the generator entry)',
    files: { 'apps/web/kustomization.yaml': 'resources:\n- cm.yaml\nconfigMapGenerator:\n- name: blob\n  namespace: web\n  files:\n  - blob.txt\n', 'apps/web/blob.txt': 'x'.repeat(1024 * 1024 + 1) },
    expect: { id: 'INP003', file: 'apps/web/kustomization.yaml', line: 4, message: /ConfigMap "blob-[a-z0-9]{10}" holds 1\.00 MiB \(1048577 bytes\)/ },
  },
  {
    name: 'a name of 254 characters',
    files: { 'apps/web/cm.yaml': configMap('n'.repeat(254)) },
    expect: { id: 'INP004', file: 'apps/web/cm.yaml', line: 4, column: 3, message: /ConfigMap name "n+…" is 254 characters: a DNS-1123 subdomain has at most 253/ },
  },
  {
    name: 'a label value of 64 characters',
    files: { 'apps/web/cm.yaml': configMap('web').replace('  namespace: web\n', `  namespace: web\n  labels:\n    version: ${'v'.repeat(64)}\n`) },
    expect: { id: 'INP004', file: 'apps/web/cm.yaml', line: 7, column: 5, message: /label "version": value is 64 characters: a label value has at most 63/ },
  },
  {
    name: 'annotations over 256 KiB together',
    files: { 'apps/web/cm.yaml': configMap('web').replace('  namespace: web\n', `  namespace: web\n  annotations:\n    a: "${'a'.repeat(200_000)}"\n    b: "${'b'.repeat(100_000)}"\n`) },
    expect: { id: 'INP004', file: 'apps/web/cm.yaml', line: 6, message: /annotations total 293\.0 KiB \(300002 bytes\): the API server allows at most 256\.0 KiB/ },
  },
];

let repo = '';
let baseCommit = '';
const git = (...a: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.email=t@t', '-c', 'user.name=t', ...a], { encoding: 'utf8' }).trim();

const writeFiles = (files: Record<string, string | Buffer>): void => writeRepoFiles(repo, files);

/** Puts the repository at base, then applies a case as one commit (symlinks are committed as git stores them). */
function applyCase(c: Case): string {
  git('checkout', '-q', '-f', baseCommit);
  git('clean', '-qfdx');
  const files = Object.fromEntries(
    Object.entries(c.files ?? {}).map(([p, t]) => [p, typeof t === 'string' ? t.replace('PORT', String(port())).replace('RELATIVE_OUTSIDE', relative(join(repo, 'apps/web'), OUTSIDE_FILE)) : t]),
  );
  writeFiles(files);
  for (const [p, target] of Object.entries(c.links ?? {})) {
    mkdirSync(dirname(join(repo, p)), { recursive: true });
    symlinkSync(target, join(repo, p));
  }
  git('add', '-A');
  git('commit', '-q', '-m', c.name);
  return git('rev-parse', 'HEAD');
}

/** The finding the case expects: its check, file, line (and column), message. */
function expectLocated(findings: Finding[], c: Case): void {
  const located = findings.filter((f) => f.id === (c.expect.id ?? 'INP001'));
  expect(located.map((f) => `${f.file}:${f.line ?? ''} ${f.message}`).join('\n')).toMatch(c.expect.message);
  const hit = located.find((f) => c.expect.message.test(f.message))!;
  expect(hit.file).toBe(c.expect.file);
  if (c.expect.line) expect(hit.line).toBe(c.expect.line);
  if (c.expect.column) expect(hit.column).toBe(c.expect.column);
}

const leaks = (text: string) => [CANARY, ENV_CANARY, PASSWD].filter((c) => text.includes(c));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t), cwd: ROOT, isTTY: false });
  return { code, out, err };
}

beforeAll(async () => {
  listener = await loopbackListener();
  mkdirSync(OUTSIDE, { recursive: true });
  writeFileSync(OUTSIDE_FILE, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${CANARY}\n  namespace: web\ndata:\n  secret: ${CANARY}\n`);
  writeFileSync(join(OUTSIDE, 'kustomization.yaml'), 'resources:\n- canary.yaml\n');
  repo = join(TMP, 'repo');
  mkdirSync(repo);
  execFileSync('git', ['-C', repo, 'init', '-q', '-b', 'main']);
  writeFiles(BASE);
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  baseCommit = git('rev-parse', 'HEAD');
});

afterAll(async () => {
  await listener?.close();
  rmSync(TMP, { recursive: true, force: true });
});

beforeEach(() => {
  for (const e of readdirSync(RUN_TMP)) rmSync(join(RUN_TMP, e), { recursive: true, force: true });
});

describe('hostile pull requests: rooted, offline, bounded render', () => {
  beforeAll(() => void installedTool(ROOT, 'kustomize')); // missing: a failure naming `npm run setup`, never a skip
  it('the clean base validates and diffs (the fixture is sound)', async () => {
    git('checkout', '-q', '-f', baseCommit);
    const r = await validate({ root: ROOT, path: repo, schema: false });
    expect(r.findings.filter((f) => f.id === 'INP001')).toEqual([]);
    const d = await cli(['diff', '--repo', repo, '--base', baseCommit, '--head', baseCommit, '--format', 'json']);
    expect(d.err).toBe('');
    expect(d.code).toBe(0);
  });

  for (const c of CASES()) {
    it(`refuses ${c.name}: exit 2, located, nothing of the target in any output, no connection, nothing written`, async () => {
      const head = applyCase(c);
      const connectionsBefore = listener.connections();
      const status = git('status', '--porcelain');

      // validate: one run, every format the CLI offers (the CLI formats this same result).
      const result = await validate({ root: ROOT, path: repo });
      expect(exitCodeOf(result)).toBe(2);
      expectLocated(result.findings, c);
      // One clear error, not noise: no "not listed by the kustomization" findings after a refused build.
      expect(result.findings.filter((f) => f.id === 'HYG003')).toEqual([]);
      for (const format of FORMATS) expect(leaks(formatFindings(result, format, { color: false })), format).toEqual([]);
      const pretty = await cli(['validate', '--path', repo]);
      expect(pretty.code).toBe(2);
      expect(leaks(pretty.out + pretty.err)).toEqual([]);

      // diff: the PR comment (markdown, and the full-output artifact), json and terminal.
      const full = join(TMP, 'full.md');
      for (const format of ['markdown', 'json', 'terminal']) {
        const d = await cli(['diff', '--repo', repo, '--base', baseCommit, '--head', head, '--format', format, ...(format === 'markdown' ? ['--full-output', full] : [])]);
        expect(d.code, d.err).toBe(2);
        expect(d.err).toContain(`${c.expect.file}${c.expect.line ? `:${c.expect.line}` : ''}`);
        expect(leaks(d.out + d.err)).toEqual([]);
      }
      expect(existsSync(full)).toBe(false);

      expect(listener.connections()).toBe(connectionsBefore);
      expect(git('status', '--porcelain')).toBe(status);
      expect(readdirSync(RUN_TMP)).toEqual([]);
      expect(git('worktree', 'list').split('\n')).toHaveLength(1);
    });
  }

  for (const c of API_CASES()) {
    it(`refuses what the API server would: ${c.name}: validate exit 2, located; diff renders it; nothing leaked or written`, async () => {
      const head = applyCase(c);
      const status = git('status', '--porcelain');
      const result = await validate({ root: ROOT, path: repo, rules: false });
      expect(exitCodeOf(result)).toBe(2);
      expectLocated(result.findings, c);
      // One error for the one refused object: no other input error, no noise.
      expect(result.findings.filter((f) => f.category === 'input')).toHaveLength(1);
      for (const format of FORMATS) expect(leaks(formatFindings(result, format, { color: false })), format).toEqual([]);
      const json = await cli(['validate', '--path', repo, '--format', 'json']);
      expect(json.code).toBe(2);
      expect(JSON.parse(json.out).findings.some((f: Finding) => f.id === c.expect.id && f.file === c.expect.file && f.line === c.expect.line)).toBe(true);
      expect(leaks(json.out + json.err)).toEqual([]);
      const d = await cli(['diff', '--repo', repo, '--base', baseCommit, '--head', head, '--format', 'markdown']);
      expect(d.code, d.err).toBe(0);
      expect(leaks(d.out + d.err)).toEqual([]);
      expect(listener.connections()).toBe(0);
      expect(git('status', '--porcelain')).toBe(status);
      expect(readdirSync(RUN_TMP)).toEqual([]);
    });
  }

  it('a pinned commit whose tree holds a symlink out of the repository is refused in that tree too', async () => {
    git('checkout', '-q', '-f', baseCommit);
    writeFiles({ 'apps/web/kustomization.yaml': 'resources:\n- cm.yaml\n- leak.yaml\n' });
    symlinkSync(OUTSIDE_FILE, join(repo, 'apps/web/leak.yaml'));
    git('add', '-A');
    git('commit', '-q', '-m', 'leak at a commit');
    const pinned = git('rev-parse', 'HEAD');
    git('checkout', '-q', '-f', baseCommit);
    writeFiles({
      'clusters/production/flux-system/sync.yaml': `${gitSource('flux-system', 'branch: main')}---\n${flux('flux-system', './clusters/production')}`,
      'clusters/production/apps.yaml': `${gitSource('web', `commit: ${pinned}`)}---\n${flux('web', './apps/web', 'web')}`,
    });
    git('add', '-A');
    git('commit', '-q', '-m', 'pin production web');
    const result = await validate({ root: ROOT, path: repo, clusters: ['production'] });
    expect(exitCodeOf(result)).toBe(2);
    const f = result.findings.find((x) => x.id === 'INP001' && /"leak\.yaml" is \(or goes through\) a symbolic link/.test(x.message));
    expect(f).toMatchObject({ file: 'apps/web/kustomization.yaml', line: 3 });
    for (const format of FORMATS) expect(leaks(formatFindings(result, format, { color: false }))).toEqual([]);
    expect(readdirSync(RUN_TMP)).toEqual([]);
  });

  it('hand-written platform files (cluster.yaml, policy.yaml, diff.yaml) that are symlinks out are refused unread', async () => {
    for (const file of ['clusters/staging/cluster.yaml', 'platform/policy.yaml', 'platform/diff.yaml']) {
      const head = applyCase({ name: `${file} symlink`, links: { [file]: OUTSIDE_FILE }, expect: { file, message: /symbolic link/ } });
      const v = await cli(['validate', '--path', repo, '--format', 'json']);
      const d = await cli(['diff', '--repo', repo, '--base', baseCommit, '--head', head, '--format', 'markdown']);
      // policy.yaml is read by validate only, cluster.yaml by both; diff.yaml is read from the base (trusted), so the head's link is never opened.
      for (const r of file === 'platform/diff.yaml' ? [] : file === 'platform/policy.yaml' ? [v] : [v, d]) {
        expect(r.code, `${file}: ${r.err}`).toBe(2);
        expect(r.err + r.out).toContain(file);
        expect(r.err + r.out).toMatch(/symbolic link/);
      }
      expect(leaks(v.out + v.err + d.out + d.err)).toEqual([]);
      expect(listener.connections()).toBe(0);
    }
  });

  describe('resource bombs, measured as a whole process tree (`platform validate` and its kustomize)', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}, namespace: web}\n`).join('---\n');
    for (const bomb of [
      { name: 'the alias bomb', file: 'apps/web/bomb.yaml', text: ALIAS_BOMB, message: /expands to more than/ },
      { name: '100k tiny ConfigMaps in one file', file: 'apps/web/many.yaml', text: many(100_000), message: /more than 2000 YAML documents in one file/ },
    ]) {
      it(`${bomb.name}: exit 2 within 15 s, peak under 1 GiB, one clear error, nothing left running`, async () => {
        applyCase({ name: bomb.name, files: { 'apps/web/kustomization.yaml': `resources:\n- cm.yaml\n- ${bomb.file.split('/').pop()}\n`, [bomb.file]: bomb.text }, expect: { file: bomb.file, message: bomb.message } });
        const m = await measure(process.execPath, [join(ROOT, 'packages/cli/bin/platform.mjs'), 'validate', '--path', repo, '--format', 'json'], { cwd: ROOT, env: { TMPDIR: RUN_TMP } });
        process.stderr.write(`${bomb.name}: exit ${m.code} in ${Math.round(m.ms)} ms, peak tree RSS ${Math.round(m.peakBytes / 1024 / 1024)} MiB\n`);
        expect(m.code, m.stderr).toBe(2);
        expect(m.ms).toBeLessThan(15_000);
        expect(m.peakBytes).toBeGreaterThan(0);
        expect(m.peakBytes).toBeLessThan(GiB);
        expect(m.leftover).toEqual([]);
        const findings = (JSON.parse(m.stdout) as { findings: { id: string; file?: string; message: string; severity: string }[] }).findings;
        const errors = findings.filter((f) => f.severity === 'error');
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatchObject({ id: 'INP001', file: bomb.file });
        expect(errors[0]!.message).toMatch(bomb.message);
        // tsx (the CLI's TypeScript loader) keeps its compile cache in TMPDIR; nothing else may remain.
        expect(readdirSync(RUN_TMP).filter((e) => !e.startsWith('tsx-'))).toEqual([]);
      });
    }
  });
});
