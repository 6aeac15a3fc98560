import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { findRepoRoot } from '@carbon/toolchain';
import { main, type Io } from '../../cli/src/main.ts';
import { commitAll, ks, writeRepo } from '../../render/test/fixture.ts';
import { exitCodeOf, formatFindings, FORMATS, toSarif, validate } from '../src/index.ts';
import { clusterFactsDocument, goodDeployment, goodSet } from './helpers.ts';

const root = findRepoRoot(process.cwd());
const CANARY = 'CANARY-9f2c1e-do-not-print';
const runValidate = (argv: string[], io: Io) => main(['validate', ...argv], io);
const runCapacity = (argv: string[], io: Io) => main(['capacity', ...argv], io);

/** A Flux repo: one cluster, one Kustomization per app folder, the good set in apps/web. */
function fluxRepo(extra: Record<string, string> = {}, git = false): string {
  return writeRepo(
    {
      'clusters/test/web.yaml': ks('web', './apps/web'),
      'apps/web/objects.yaml': goodSet().map((o) => stringify(o)).join('---\n'),
      ...extra,
    },
    { git },
  );
}

function io(cwd: string) {
  let out = '';
  let err = '';
  return { io: { out: (t: string) => void (out += t), err: (t: string) => void (err += t), cwd, isTTY: false }, get out() { return out; }, get err() { return err; } };
}

describe('validate (real kustomize + kubeconform)', () => {
  it('a clean repo exits 0 in every format', async () => {
    const dir = fluxRepo();
    const r = await validate({ root, path: dir });
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(exitCodeOf(r)).toBe(0);
  });

  it('kubeconform: an unknown field and a wrong type are located findings; a kind with no schema is an error naming it', async () => {
    const dir = fluxRepo({
      'apps/web/broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\n  namespace: web\n  labelz: {a: b}\ndata:\n  a: b\n',
      'apps/web/crd.yaml': 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: web\n',
    });
    const r = await validate({ root, path: dir });
    const kcf = r.findings.find((f) => f.id === 'KCF001')!;
    expect(kcf).toMatchObject({ file: 'apps/web/broken.yaml', line: 6, column: 3, object: 'ConfigMap web/broken' });
    expect(kcf.message).toMatch(/labelz/);
    expect(r.findings.find((f) => f.id === 'KCF002')).toMatchObject({ file: 'apps/web/crd.yaml', message: expect.stringContaining('example.com/v1/Widget') });
    expect(exitCodeOf(r)).toBe(1);
  });

  it.each([
    ['malformed YAML', 'apps/web/bad.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n', /invalid YAML/],
    ['a duplicate key', 'apps/web/dup.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n', /duplicate key/],
  ])('%s is a located message and exit 2', async (_what, file, text, re) => {
    const dir = fluxRepo({ [file]: text });
    const h = io(root);
    const code = await runValidate(['--path', dir, '--format', 'github'], h.io);
    expect(code).toBe(2);
    expect(h.out).toMatch(new RegExp(`::error file=${file.replace(/\//g, '\\/')},line=\\d+`));
    expect(h.out).toMatch(re);
  });

  it('a broken manifest dropped into a cluster folder without being listed is an error (HYG003) with its schema errors', async () => {
    const dir = fluxRepo({ 'clusters/test/kustomization.yaml': 'resources: [web.yaml]\n', 'clusters/test/extra.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n  namespace: web\nspec:\n  replicas: two\n' });
    const r = await validate({ root, path: dir });
    expect(r.findings.find((f) => f.id === 'HYG003')).toMatchObject({ file: 'clusters/test/extra.yaml', line: 1, severity: 'error' });
    expect(r.findings.filter((f) => f.id === 'KCF001' && f.file === 'clusters/test/extra.yaml').map((f) => [f.line, f.message])).toContainEqual([7, expect.stringMatching(/replicas/)]);
    expect(exitCodeOf(r)).toBe(1);
  });

  it('a manifest next to an app kustomization.yaml but not listed in it is HYG003', async () => {
    const dir = fluxRepo({ 'clusters/test/api.yaml': ks('api', './apps/api'), 'apps/api/kustomization.yaml': 'resources: [cm.yaml]\n', 'apps/api/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: web\n', 'apps/api/forgotten.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  namespace: web\n' });
    const r = await validate({ root, path: dir });
    expect(r.findings.filter((f) => f.id === 'HYG003').map((f) => f.file)).toEqual(['apps/api/forgotten.yaml']);
  });

  it('a kustomize build error is a located message and exit 2', async () => {
    const dir = fluxRepo({ 'clusters/test/bad.yaml': ks('bad', './apps/bad'), 'apps/bad/kustomization.yaml': 'resources: [nope.yaml]\n' });
    const h = io(root);
    expect(await runValidate(['--path', dir], h.io)).toBe(2);
    expect(h.out).toMatch(/apps\/bad\/kustomization\.yaml/);
    expect(h.out).toMatch(/INP001.*kustomize build failed: .*nope\.yaml/);
  });

  it('the canary secret value never appears in any format', async () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'web' }, data: { password: Buffer.from(CANARY).toString('base64') }, stringData: { token: CANARY } };
    const set = goodSet();
    (set[3]!.spec.template.spec.containers[0].env as any[]).push({ name: 'ADMIN_PASSWORD', value: CANARY });
    const dir = writeRepo({ 'clusters/test/web.yaml': ks('web', './apps/web'), 'apps/web/objects.yaml': [...set, secret].map((o) => stringify(o)).join('---\n') });
    const r = await validate({ root, path: dir });
    expect(r.findings.map((f) => f.id)).toEqual(expect.arrayContaining(['SECR001', 'SEC011']));
    for (const format of FORMATS) {
      const text = formatFindings(r, format);
      expect(text, format).not.toContain(CANARY);
      expect(text, format).not.toContain(Buffer.from(CANARY).toString('base64'));
    }
  });

  it('sarif is 2.1.0 with rules and repo-relative locations; junit and github carry the findings', async () => {
    const dir = fluxRepo({ 'apps/web/broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\n  namespace: web\n  labelz: {a: b}\n' });
    const r = await validate({ root, path: dir });
    const sarif = toSarif(r) as any;
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0]!;
    const ruleIds = run.tool.driver.rules.map((x: { id: string }) => x.id);
    for (const res of run.results) {
      expect(ruleIds[res.ruleIndex]).toBe(res.ruleId);
      const loc = res.locations[0].physicalLocation;
      expect(loc.artifactLocation.uri).not.toMatch(/^\//);
      expect(loc.region.startLine).toBeGreaterThan(0);
    }
    expect(run.results.find((x: { ruleId: string }) => x.ruleId === 'KCF001').locations[0].physicalLocation).toEqual({ artifactLocation: { uri: 'apps/web/broken.yaml', uriBaseId: '%SRCROOT%' }, region: { startLine: 6, startColumn: 3 } });
    expect(formatFindings(r, 'junit')).toMatch(/<failure type="KCF001"/);
    expect(formatFindings(r, 'github')).toMatch(/^::error file=apps\/web\/broken\.yaml,line=6,col=3,title=KCF001::/m);
    const json = JSON.parse(formatFindings(r, 'json'));
    expect(json).toMatchObject({ version: 1, exitCode: 1, summary: { errors: 1 } });
  });

  it('--changed-since reports the same findings as a full run for the changed service only', async () => {
    const bad = [goodDeployment('api', 'web')];
    bad[0]!.spec.template.spec.containers[0].image = 'nginx:latest';
    const dir = fluxRepo({ 'clusters/test/api.yaml': ks('api', './apps/api'), 'apps/api/objects.yaml': bad.map((o) => stringify(o)).join('---\n') }, true);
    const full = await validate({ root, path: dir });
    expect(full.findings.some((f) => f.file === 'apps/api/objects.yaml')).toBe(true);
    const none = await validate({ root, path: dir, changedSince: 'HEAD' });
    expect(none.findings).toEqual([]);
    // change the web service only: its findings appear, api's do not
    writeFileSync(join(dir, 'apps/web/extra.yaml'), stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'web' }, data: { a: 'b' } }));
    commitAll(dir, 'web change');
    writeFileSync(join(dir, 'apps/web/objects.yaml'), goodSet().map((o) => stringify({ ...o, ...(o.kind === 'Ingress' ? { spec: { ...o.spec, tls: [] } } : {}) })).join('---\n'));
    const scoped = await validate({ root, path: dir, changedSince: 'HEAD' });
    const fullAgain = await validate({ root, path: dir });
    expect(scoped.scope).toMatchObject({ services: ['web'] });
    expect(scoped.findings.map((f) => f.id).sort()).toEqual(['NET006', 'POL002', 'SLO001']); // POL002: the cluster-wide notice (no cluster.yaml)
    expect(scoped.findings.filter((f) => f.file)).toEqual(fullAgain.findings.filter((f) => f.file?.startsWith('apps/web/')));
  });

  it('platform capacity prints the fit table and fails on an over-quota namespace', async () => {
    const cluster = clusterFactsDocument([{ name: 'n1', cpu: '4', memory: '8Gi' }], {
      web: { quota: { requests: { cpu: '100m', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' }, pods: 10, storage: '0', persistentVolumeClaims: 0 }, limitRange: { defaultRequest: { cpu: '50m', memory: '64Mi' }, default: { cpu: '100m', memory: '128Mi' }, max: { cpu: '1', memory: '1Gi' } } },
    });
    const dir = fluxRepo({ 'clusters/test/cluster.yaml': stringify(cluster), 'clusters/test/kustomization.yaml': 'resources: [web.yaml]\n' });
    const h = io(root);
    expect(await runCapacity(['--path', dir], h.io)).toBe(1);
    expect(h.out).toMatch(/web\s+2\/10\s+0\.2\/0\.1/);
    expect(h.out).toMatch(/CAP001 test: namespace web requests 0.2 vCPU/);
    const j = io(root);
    await runCapacity(['--path', dir, '--format', 'json'], j.io);
    expect(JSON.parse(j.out).clusters[0].namespaces[0]).toMatchObject({ namespace: 'web', pods: 2, requests: { cpu: 200 } });
  });
});

describe('the real repository', () => {
  it('validates every cluster the repo has: no unreadable input, capacity figures for each declared cluster', async () => {
    const r = await validate({ root });
    expect(r.findings.filter((f) => f.id === 'INP001')).toEqual([]);
    expect(r.clusters.map((c) => c.cluster)).toEqual(expect.arrayContaining(['multi-node', 'single-node']));
    for (const c of r.clusters) expect(c.capacity?.nodes.length).toBeGreaterThan(0);
    expect([0, 1]).toContain(exitCodeOf(r));
  });
});
