import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartCacheDir, discoverFluxKustomizations } from '@carbon/render';
import { installedTool } from '@carbon/toolchain';
import { main } from '../src/main.ts';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { commitAll, gitIn, writeFiles, writeRepo } from '../../render/test/fixture.ts';
import { bootstrapLayout, chartFiles, clusterRootLayout, crdFiles, helmLayout, helmSourcesLayout, OCI_CHARTS, sopsFiles, tenantLayout, type Files } from './layouts.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const HELM = join(ROOT, '.tools/bin/helm');
const made: string[] = [];

/** A git repository holding `v1` (committed), then `v2` (committed): returns the folder and both commits. */
function twoCommits(v1: Files, v2: Files): { dir: string; a: string; b: string } {
  const dir = writeRepo(v1, { git: true });
  made.push(dir);
  const a = gitIn(dir, 'rev-parse', 'HEAD');
  writeFiles(dir, v2);
  return { dir, a, b: commitAll(dir, 'v2') };
}

async function cli(cwd: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t), cwd, isTTY: false });
  return { code, out, err };
}

type Finding = { id: string; severity: string; file?: string; message: string; object?: string };
async function validateJson(path: string): Promise<{ code: number; findings: Finding[]; clusters: { cluster: string; objects: number; kustomizations: number }[] }> {
  const r = await cli(ROOT, 'validate', '--path', path, '--format', 'json');
  const parsed = JSON.parse(r.out) as { findings: Finding[]; clusters: { cluster: string; objects: number; kustomizations: number }[] };
  return { code: r.code, ...parsed };
}

afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

// A missing pinned tool fails these tests with the remedy (`npm run setup`); `npm test` installs them first.
const requireTools = () => beforeAll(() => void (['kustomize', 'kubeconform', 'helm'] as const).forEach((t) => installedTool(ROOT, t)));

describe('Flux repositories of other layouts (issue 10)', () => {
  requireTools();
  it('flux bootstrap layout: folders without kustomization.yaml, Kustomization patches/images/components/targetNamespace/namePrefix/commonMetadata, a SOPS Secret and a repo-installed CRD', async () => {
    const { dir, a } = twoCommits({ ...bootstrapLayout(1), ...sopsFiles(1), ...crdFiles(1) }, { ...bootstrapLayout(2), ...sopsFiles(2), ...crdFiles(2) });
    const clusters = await cli(ROOT, 'clusters', '--path', dir, '--format', 'json');
    expect(clusters.code).toBe(0);
    expect(JSON.parse(clusters.out).clusters).toEqual([{ name: 'production', dir: 'clusters/production', how: 'clusters-folder' }]);

    const v = await validateJson(dir);
    expect(v.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(v.code).toBe(0);
    expect(v.clusters).toEqual([expect.objectContaining({ cluster: 'production', kustomizations: 4 })]);
    // Starting from a cluster folder or a folder inside it gives the same cluster (paths are relative to the git root).
    const fromFolder = await validateJson(join(dir, 'clusters/production'));
    expect(fromFolder.clusters).toEqual(v.clusters);
    const fromInside = await validateJson(join(dir, 'clusters/production/flux-system'));
    expect(fromInside.clusters).toEqual(v.clusters);

    // What kustomize-controller would apply: its generated kustomization and the Kustomizations' own spec.
    const [c] = await discoverFluxKustomizations(dir, { toolsRoot: ROOT });
    const objs = (name: string) => c!.kustomizations.find((k) => k.name === name)!.objects.map((o) => o.object as any);
    expect(objs('flux-system').map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['GitRepository/flux-system', 'Kustomization/apps', 'Kustomization/flux-system', 'Kustomization/infra-configs', 'Kustomization/infra-controllers', 'Namespace/flux-system', 'NetworkPolicy/default-deny-all']);
    const controllers = objs('infra-controllers');
    expect(controllers.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort()).toEqual(['CustomResourceDefinition//widgets.example.io', 'Deployment/ingress/ingress', 'Namespace//cert-manager', 'Namespace//ingress', 'NetworkPolicy/cert-manager/default-deny-all', 'NetworkPolicy/ingress/default-deny-all']);
    expect(controllers.every((o) => o.metadata.labels?.team === 'platform')).toBe(true);
    expect(controllers.find((o) => o.kind === 'Deployment').spec.template.metadata.labels).toEqual({ app: 'ingress' }); // metadata only
    expect(objs('infra-configs').map((o) => o.metadata.name).sort()).toEqual(['prod-dns-token', 'prod-main', 'prod-settings']);
    const podinfo = objs('apps').find((o) => o.kind === 'Deployment');
    expect(podinfo.metadata).toMatchObject({ namespace: 'podinfo', labels: { tier: 'frontend' } });
    expect(podinfo.spec.replicas).toBe(3);
    expect(podinfo.spec.template.spec.containers[0].image).toBe('ghcr.io/stefanprodan/podinfo:6.7.1');

    // The repository's CRD is the schema of its custom resources: a wrong field is a located KCF001.
    writeFileSync(join(dir, 'infrastructure/configs/widget.yaml'), crdFiles(2)['infrastructure/configs/widget.yaml']!.replace('colour: red', 'colour: green'));
    const bad = await validateJson(dir);
    expect(bad.findings.filter((f) => f.severity === 'error')).toEqual([expect.objectContaining({ id: 'KCF001', file: 'infrastructure/configs/widget.yaml', message: expect.stringMatching(/colour/) })]);
    execFileSync('git', ['-C', dir, 'checkout', '--', '.']);

    const d = await cli(ROOT, 'diff', '--repo', dir, '--base', a, '--head', 'HEAD', '--format', 'json');
    expect(d.err).toBe('');
    expect(d.code).toBe(0);
    const text = d.out;
    expect(text).toContain('ghcr.io/stefanprodan/podinfo:6.7.1');
    expect(text).toContain('prod-settings');
    expect(text).not.toContain('c2VjcmV0LXR3bw'); // the SOPS ciphertext of v2 is never printed
  });

  it('kubernetes/flux/cluster root with a ks.yaml per app and postBuild substitutions from a ConfigMap in the rendering', async () => {
    const { dir, a } = twoCommits(clusterRootLayout(1), clusterRootLayout(2));
    const listed = JSON.parse((await cli(ROOT, 'clusters', '--path', dir, '--format', 'json')).out);
    expect(listed.clusters).toEqual([{ name: 'cluster', dir: 'kubernetes/flux/cluster', how: 'unreached', declaredIn: 'kubernetes/flux/cluster/ks.yaml' }]);
    for (const path of [dir, join(dir, 'kubernetes/flux/cluster')]) {
      const v = await validateJson(path);
      expect(v.findings.filter((f) => f.severity !== 'notice')).toEqual([]);
      expect(v.code).toBe(0);
      expect(v.clusters).toEqual([expect.objectContaining({ cluster: 'cluster', kustomizations: 4 })]);
      expect(v.clusters[0]!.objects).toBeGreaterThan(4);
    }
    const d = await cli(ROOT, 'diff', '--repo', dir, '--base', a, '--format', 'json');
    expect(d.code).toBe(0);
    expect(d.out).toContain('echo.example.org');
    expect(d.out).toContain('echo.example.com');
  });

  it('tenants from other repositories, OCIRepository, Bucket and ExternalArtifact: listed as not rendered (notice), no FLX001/FLX003', async () => {
    const { dir, a } = twoCommits(tenantLayout(1), tenantLayout(2));
    const v = await validateJson(dir);
    expect(v.findings.filter((f) => f.severity !== 'notice')).toEqual([]);
    expect(v.code).toBe(0);
    const notices = v.findings.filter((f) => f.id === 'FLX008').map((f) => f.message);
    expect(notices).toHaveLength(4);
    expect(notices.join('\n')).toMatch(/team-a is not rendered: its source is another Git repository \(https:\/\/github.com\/acme\/team-a\)/);
    expect(notices.join('\n')).toMatch(/podinfo is not rendered: its source is an OCIRepository oci:\/\/ghcr.io/);
    expect(notices.join('\n')).toMatch(/reports is not rendered: its source is a Bucket/);
    expect(notices.join('\n')).toMatch(/generated is not rendered: its source is an ExternalArtifact/);
    // the same repository under its ssh URL is rendered from here
    expect(v.clusters[0]!.objects).toBeGreaterThan(1);
    const d = await cli(ROOT, 'diff', '--repo', dir, '--base', a, '--format', 'json');
    expect(d.code).toBe(0);
  });

  it('a path that yields no objects is an error (exit 2), never a green 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'foreign-empty-'));
    made.push(dir);
    mkdirSync(join(dir, 'clusters/empty/flux-system'), { recursive: true });
    writeFileSync(join(dir, 'clusters/empty/flux-system/kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n');
    const r = await cli(ROOT, 'validate', '--path', dir);
    expect(r.code).toBe(2);
    expect(r.out + r.err).toMatch(/no objects rendered/);
  });
});

/** `web` charts of `versions` packaged with the pinned helm into `dir` (web-<version>.tgz). */
function packageCharts(dir: string, versions: string[]): void {
  for (const version of versions) {
    const src = join(dir, `src-${version}`);
    for (const [p, text] of Object.entries(chartFiles(version))) {
      mkdirSync(dirname(join(src, p)), { recursive: true });
      writeFileSync(join(src, p), text);
    }
    execFileSync(HELM, ['package', src, '-d', dir], { env: { ...process.env, HELM_CACHE_HOME: join(dir, '.h'), HELM_CONFIG_HOME: join(dir, '.h'), HELM_DATA_HOME: join(dir, '.h') } });
    rmSync(src, { recursive: true });
  }
}

/** A chart repository on loopback: charts the test packages with the pinned helm, an index, a request log. */
async function chartRepository(): Promise<{ url: string; server: Server; requests: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'charts-'));
  made.push(dir);
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const file = join(dir, (req.url ?? '/').split('?')[0]!.replace(/^\/+/, ''));
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  packageCharts(dir, ['1.0.0', '1.1.0']);
  execFileSync(HELM, ['repo', 'index', dir, '--url', url]);
  return { url, server, requests };
}

describe('HelmReleases rendered with the pinned helm (issue 10)', () => {
  requireTools();
  it('templates a HelmRelease from an HTTP chart repository on loopback: valuesFrom (document and targetPath), values, postRenderer, release namespace; cached charts render offline; diffable', async () => {
    const { url, server, requests } = await chartRepository();
    const cache = mkdtempSync(join(tmpdir(), 'chart-cache-'));
    made.push(cache);
    const previous = process.env.PLATFORM_CHART_CACHE;
    process.env.PLATFORM_CHART_CACHE = cache;
    try {
      const { dir, a } = twoCommits(helmLayout(1, url), helmLayout(2, url));
      // Not fetched: a notice on the HelmRelease, never an error elsewhere.
      const offline = await validateJson(dir);
      expect(offline.findings.filter((f) => f.severity !== "notice")).toEqual([]);
      expect(offline.code).toBe(0);
      expect(offline.findings.filter((f) => f.severity !== 'notice')).toEqual([]);
      expect(offline.findings.filter((f) => f.id === 'FLX009')).toEqual([expect.objectContaining({ file: 'apps/release.yaml', message: expect.stringMatching(/HelmRelease web\/web is not rendered: needs network: chart web@1.1.0 from http:\/\/127.0.0.1:\d+ is not in the chart cache/) })]);
      expect(requests).toEqual([]);

      const fetched = await cli(ROOT, 'validate', '--path', dir, '--format', 'json', '--fetch-charts');
      const v = JSON.parse(fetched.out) as { findings: Finding[]; clusters: { objects: number }[] };
      // The chart's Deployment joins every check (its missing cpu limit is a true warning, EFF002).
      expect(v.findings.filter((f) => f.severity === 'error' || f.id === 'FLX009')).toEqual([]);
      expect(v.findings.filter((f) => f.severity === 'warning').map((f) => [f.id, f.file, f.object])).toEqual([['EFF002', 'apps/release.yaml', 'Deployment web/web']]);
      expect(fetched.code).toBe(0);
      expect(v.clusters[0]!.objects).toBe(offline.clusters[0]!.objects + 2);
      expect(requests.some((r) => r.endsWith('web-1.1.0.tgz'))).toBe(true);

      // Both commits (the base's chart fetched too): chart version, values, then the rendered objects' change.
      const d = await cli(ROOT, 'diff', '--repo', dir, '--base', a, '--format', 'json', '--fetch-charts');
      expect(d.err).toBe('');
      expect(d.code).toBe(0);
      const report = JSON.parse(d.out);
      const resources = report.sections[0].resources as { change: string; id: { kind: string; name: string } }[];
      expect(resources.map((r) => `${r.change} ${r.id.kind}/${r.id.name}`).sort()).toEqual(['changed ConfigMap/web-greeting', 'changed ConfigMap/web-values', 'changed Deployment/web', 'changed HelmRelease/web']);
      expect(d.out).toContain('registry.example/web:1.1');
      expect(d.out).toContain('1.1.0');

      // The cache alone renders it (the server is gone); the objects are what helm-controller would apply.
      await new Promise((r) => server.close(r));
      const [c] = await discoverFluxKustomizations(dir, { toolsRoot: ROOT, charts: { cacheDir: cache } });
      expect(c!.errors).toEqual([]);
      const made2 = c!.kustomizations.find((k) => k.name === 'apps')!.objects.filter((o) => o.helmRelease === 'web/web');
      const deploy = made2.find((o) => o.object.kind === 'Deployment')!.object as any;
      expect(deploy.metadata).toMatchObject({ name: 'web', namespace: 'web', labels: { 'post-rendered': 'yes' } });
      expect(deploy.spec.replicas).toBe(2);
      expect(deploy.spec.template.spec.containers[0].image).toBe('registry.example/web:1.1');
      const greeting = made2.find((o) => o.object.kind === 'ConfigMap')!;
      expect(greeting.object).toMatchObject({ metadata: { name: 'web-greeting', namespace: 'web' }, data: { greeting: 'hey' } });
      expect(greeting.sourceFile).toBe('apps/release.yaml');

    } finally {
      if (previous === undefined) delete process.env.PLATFORM_CHART_CACHE;
      else process.env.PLATFORM_CHART_CACHE = previous;
      server.close();
    }
  });

  it('OCI HelmRepository (type: oci), chartRef to an OCIRepository and to a HelmChart, a GitRepository chart: rendered offline from the chart cache, helm confined; an OCI chart not in the cache is a located "needs network" notice, and stays a notice when the registry cannot be reached', async () => {
    // The charts an OCI registry and an HTTP repository would serve, seeded into the cache (no registry runs here).
    const cache = mkdtempSync(join(tmpdir(), 'chart-cache-'));
    const charts = mkdtempSync(join(tmpdir(), 'charts-'));
    made.push(cache, charts);
    packageCharts(charts, ['1.0.0', '1.1.0']);
    for (const version of ['1.0.0', '1.1.0'])
      for (const url of [OCI_CHARTS, 'https://charts.example']) {
        const into = chartCacheDir(cache, url, 'web', version);
        mkdirSync(into, { recursive: true });
        writeFileSync(join(into, `web-${version}.tgz`), readFileSync(join(charts, `web-${version}.tgz`)));
      }
    // A loopback port with nothing behind it: the registry of the release whose chart is not cached.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const unreachable = `oci://127.0.0.1:${port}/charts`;
    const previous = process.env.PLATFORM_CHART_CACHE;
    process.env.PLATFORM_CHART_CACHE = cache;
    try {
      const { dir, a } = twoCommits(helmSourcesLayout('1.0.0', unreachable), helmSourcesLayout('1.1.0', unreachable));
      const v = await validateJson(dir);
      expect(v.findings.filter((f) => f.severity === 'error')).toEqual([]);
      expect(v.code).toBe(0);
      const notRendered = v.findings.filter((f) => f.id === 'FLX009');
      expect(notRendered).toEqual([expect.objectContaining({ severity: 'notice', file: 'apps/releases.yaml', line: expect.any(Number), message: expect.stringMatching(new RegExp(`^HelmRelease web/far-web is not rendered: needs network: chart app@2.0.0 from oci://127.0.0.1:${port}/charts is not in the chart cache`)) })]);
      expect((notRendered[0] as Finding & { line: number }).line).toBeGreaterThan(40); // the far-web document, not the file's first line

      const [c] = await discoverFluxKustomizations(dir, { toolsRoot: ROOT, charts: { cacheDir: cache } });
      const made3 = c!.kustomizations.find((k) => k.name === 'apps')!.objects.filter((o) => o.helmRelease);
      expect(made3.map((o) => `${o.helmRelease} ${o.object.kind}/${o.object.metadata?.name}`).sort()).toEqual([
        'web/chart-web ConfigMap/chart-web-greeting', 'web/chart-web Deployment/chart-web',
        'web/git-web ConfigMap/git-web-greeting', 'web/git-web Deployment/git-web',
        'web/oci-web ConfigMap/oci-web-greeting', 'web/oci-web Deployment/oci-web',
        'web/ref-web ConfigMap/ref-web-greeting', 'web/ref-web Deployment/ref-web',
      ]);
      expect(made3.every((o) => o.sourceFile === 'apps/releases.yaml')).toBe(true);

      // --fetch-charts: the unreachable registry is a notice on its release (why it failed), never an error.
      const fetched = await cli(ROOT, 'validate', '--path', dir, '--format', 'json', '--fetch-charts');
      const f = JSON.parse(fetched.out) as { findings: Finding[] };
      expect(f.findings.filter((x) => x.severity === 'error')).toEqual([]);
      expect(f.findings.filter((x) => x.id === 'FLX009').map((x) => x.message)).toEqual([expect.stringMatching(/^HelmRelease web\/far-web is not rendered: chart app@2.0.0 from oci:\/\/127.0.0.1:\d+\/charts cannot be fetched: /)]);
      expect(fetched.code).toBe(0);

      // A chart folder of the repository holding a symbolic link out of it is not read (the chart walk).
      const outside = mkdtempSync(join(tmpdir(), 'outside-'));
      made.push(outside);
      writeFileSync(join(outside, 'leak.yaml'), 'kind: ConfigMap\n');
      symlinkSync(join(outside, 'leak.yaml'), join(dir, 'charts/web/templates/leak.yaml'));
      const linked = await validateJson(dir);
      expect(linked.findings.filter((x) => x.severity === 'error')).toEqual([]);
      expect(linked.findings.filter((x) => x.id === 'FLX009').map((x) => x.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^HelmRelease web\/git-web is not rendered: chart \.\/charts\/web holds charts\/web\/templates\/leak\.yaml, a symbolic link that leads outside the repository/)]));
      rmSync(join(dir, 'charts/web/templates/leak.yaml'));

      // Diffable across the two commits: the chart versions in their own terms.
      const d = await cli(ROOT, 'diff', '--repo', dir, '--base', a, '--format', 'json');
      expect(d.err).toBe('');
      expect(d.code).toBe(0);
      const risks = (JSON.parse(d.out).sections[0].risks as { category: string; ref: string; message: string }[]).filter((r) => r.category === 'helm-release');
      expect(risks.map((r) => `${r.ref}: ${r.message}`)).toEqual(expect.arrayContaining(['HelmRelease web/oci-web: chart web 1.0.0 → 1.1.0', 'HelmChart flux-system/web: chart web 1.0.0 → 1.1.0 (HelmChart; releases with this chartRef upgrade)']));
    } finally {
      if (previous === undefined) delete process.env.PLATFORM_CHART_CACHE;
      else process.env.PLATFORM_CHART_CACHE = previous;
    }
  });
});
