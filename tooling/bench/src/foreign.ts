/**
 * Benchmark (issue 10): `platform validate` and `platform diff` on a synthetic *foreign* Flux repository — the
 * `flux bootstrap` layout with app folders without kustomization.yaml, one Flux Kustomization per
 * app (≥ 80) and HelmReleases (≥ 50) templated from a chart in the repository — against the loop
 * people run on such repositories: `kustomize build <path> | kubeconform -strict` for every Flux
 * Kustomization path plus `helm template <release> <chart> -f <values> | kubeconform -strict` for
 * every HelmRelease, over the same paths and releases, measured in the same run.
 *
 * The diff part: the same repository at two commits (a tenth of the apps and of the releases get a
 * new image), `diffRevisions` against the loop a reviewer would run — at both commits, the same
 * `kustomize build` of every path and `helm template` of every release, then `dyff between` the
 * two renderings.
 *
 * Measured as CPU (this process plus every child process it waited for: kustomize, helm,
 * kubeconform), median of N runs, alternating which side runs first. Ratio = baseline / validate:
 * above 1 means validate costs less CPU.
 *
 * Run: `npm run bench -- foreign [--runs N]`.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { diffRevisions } from '@carbon/diff';
import { checkTool, exec, findRepoRoot, schemaLocations } from '@carbon/toolchain';
import { validate } from '@carbon/validate';

export type ForeignBenchResult = {
  bench: 'foreign';
  runs: number;
  kustomizations: number;
  helmReleases: number;
  objects: number;
  findings: { errors: number; warnings: number; notices: number };
  validateCpuMs: number;
  baselineCpuMs: number;
  /** baseline / validate CPU: above 1 means validate is cheaper. */
  ratio: number;
  diff: { changedResources: number; diffCpuMs: number; baselineCpuMs: number; ratio: number };
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** CPU milliseconds used so far by this process and by the child processes it has waited for (Linux /proc). */
export function cpuMs(): number {
  const self = process.cpuUsage();
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name: state is field 3; cutime and cstime are fields 16 and 17 (clock ticks, 100 Hz).
  const children = (Number(fields[13]) + Number(fields[14])) * 10;
  return (self.user + self.system) / 1000 + children;
}

const APPS = 84;
const RELEASES = 56;

const ks = (name: string, path: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name, namespace: 'flux-system' },
  spec: { interval: '10m', timeout: '5m', path, prune: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' }, ...extra },
});

const workload = (name: string, ns: string, image: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name,
            image,
            ports: [{ containerPort: 8080, name: 'http' }],
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
            livenessProbe: { httpGet: { path: '/healthz', port: 'http' } },
            readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
          },
        ],
      },
    },
  },
});

type Release = { name: string; ns: string; values: string };

/**
 * The synthetic repository (into `dir`, a fresh folder by default); returns its folder and what the
 * baseline loop runs over. `bumped`: the second revision, a new image on every tenth app and release.
 */
export function writeForeignRepo(dir = mkdtempSync(join(tmpdir(), 'bench-foreign-')), bumped = false): { dir: string; paths: string[]; releases: Release[] } {
  const put = (p: string, body: unknown) => {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), Array.isArray(body) ? body.map((b) => stringify(b)).join('---\n') : typeof body === 'string' ? body : stringify(body));
  };
  put('clusters/prod/flux-system/gotk-sync.yaml', [
    { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: 'flux-system', namespace: 'flux-system' }, spec: { interval: '1m', url: 'ssh://git@example.com/fleet.git', ref: { branch: 'main' } } },
    ks('flux-system', './clusters/prod'),
  ]);
  put('clusters/prod/flux-system/kustomization.yaml', { resources: ['gotk-sync.yaml'] });
  const paths: string[] = [];
  const releases: { name: string; ns: string; values: string }[] = [];
  // The chart every HelmRelease installs (a GitRepository path of this repository).
  put('charts/web/Chart.yaml', 'apiVersion: v2\nname: web\nversion: 1.0.0\n');
  put('charts/web/values.yaml', 'replicas: 1\nimage: registry.example/web:1.0\n');
  put(
    'charts/web/templates/deployment.yaml',
    stringify(workload('NAME', 'NS', 'IMAGE'))
      .replace(/name: NAME/g, 'name: {{ .Release.Name }}')
      .replace(/app: NAME/g, 'app: "{{ .Release.Name }}"')
      .replace('namespace: NS', 'namespace: {{ .Release.Namespace }}')
      .replace('image: IMAGE', 'image: {{ .Values.image | quote }}')
      .replace('replicas: 2', 'replicas: {{ .Values.replicas }}'),
  );
  put('charts/web/templates/service.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  selector:\n    app: "{{ .Release.Name }}"\n  ports:\n    - name: http\n      port: 80\n      targetPort: http\n');
  const flux: unknown[] = [];
  for (let i = 0; i < APPS; i++) {
    const name = `app-${i}`;
    const path = `apps/${name}`;
    paths.push(path);
    flux.push(ks(name, `./${path}`, i % 3 === 0 ? { targetNamespace: name } : {}));
    // No kustomization.yaml: kustomize-controller generates one (every manifest below).
    put(`${path}/namespace.yaml`, [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny-all', namespace: name }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } },
    ]);
    const bump = bumped && i % 10 === 0 ? '.1' : '';
    put(`${path}/deployment.yaml`, workload(name, name, `registry.example/${name}:1.${i}${bump}`));
    put(`${path}/service.yaml`, { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: name }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
    if (i < RELEASES) {
      const values = { replicas: 2, image: `registry.example/${name}-web:2.${i}${bump}` };
      releases.push({ name: `${name}-web`, ns: name, values: stringify(values) });
      put(`${path}/release.yaml`, {
        apiVersion: 'helm.toolkit.fluxcd.io/v2',
        kind: 'HelmRelease',
        metadata: { name: `${name}-web`, namespace: name },
        spec: { interval: '10m', chart: { spec: { chart: './charts/web', sourceRef: { kind: 'GitRepository', name: 'flux-system', namespace: 'flux-system' } } }, values },
      });
    }
  }
  put('clusters/prod/apps.yaml', flux);
  return { dir, paths, releases };
}

/**
 * What people run on such a repository, over the same paths and releases: `kustomize build` of every
 * Flux Kustomization path (folders without kustomization.yaml get one listing their files, as
 * `kustomize create --autodetect` writes) and `helm template` of every release; each output is
 * handed to `sink` (kubeconform for validate, collected for dyff).
 */
async function renderLoop(root: string, repo: string, paths: string[], releases: Release[], sink: (yaml: string) => Promise<void>): Promise<void> {
  const kustomize = await checkTool(root, 'kustomize');
  const helm = await checkTool(root, 'helm');
  const scratch = mkdtempSync(join(tmpdir(), 'bench-foreign-baseline-'));
  try {
    for (const p of paths) {
      const d = join(scratch, p);
      mkdirSync(d, { recursive: true });
      const files = ['namespace.yaml', 'deployment.yaml', 'service.yaml'].map((f) => join(repo, p, f));
      writeFileSync(join(d, 'kustomization.yaml'), stringify({ resources: files }));
    }
    for (const p of paths) {
      const built = await exec(kustomize, ['build', '--load-restrictor', 'LoadRestrictionsNone', join(scratch, p)]);
      if (built.exitCode !== 0) throw new Error(`baseline kustomize build ${p}: ${built.stderr}`);
      await sink(built.stdout);
    }
    for (const r of releases) {
      const values = join(scratch, `${r.name}.yaml`);
      writeFileSync(values, r.values);
      const out = await exec(helm, ['template', r.name, join(repo, 'charts/web'), '--namespace', r.ns, '-f', values], { env: { HELM_CACHE_HOME: join(scratch, 'h'), HELM_CONFIG_HOME: join(scratch, 'h'), HELM_DATA_HOME: join(scratch, 'h') } });
      if (out.exitCode !== 0) throw new Error(`baseline helm template ${r.name}: ${out.stderr}`);
      await sink(out.stdout);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function baseline(root: string, repo: string, paths: string[], releases: Release[]): Promise<void> {
  const kubeconform = await checkTool(root, 'kubeconform');
  const locations = schemaLocations(root).flatMap((l) => ['-schema-location', l]);
  await renderLoop(root, repo, paths, releases, async (yaml) => void (await exec(kubeconform, ['-strict', '-summary', ...locations, '-'], { input: yaml })));
}

async function git(dir: string, ...args: string[]): Promise<string> {
  const r = await exec('git', ['-C', dir, '-c', 'user.email=bench@example', '-c', 'user.name=bench', ...args]);
  if (r.exitCode !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** The diff baseline: both commits checked out, rendered by the loop, then `dyff between`. */
async function diffBaseline(root: string, repo: string, revisions: { rev: string; releases: Release[] }[], paths: string[]): Promise<void> {
  const dyff = await checkTool(root, 'dyff');
  const scratch = mkdtempSync(join(tmpdir(), 'bench-foreign-dyff-'));
  try {
    const files: string[] = [];
    for (const [i, { rev, releases }] of revisions.entries()) {
      const tree = join(scratch, `tree-${i}`);
      await git(repo, 'worktree', 'add', '-q', '--detach', tree, rev);
      const docs: string[] = [];
      await renderLoop(root, tree, paths, releases, async (yaml) => void docs.push(yaml));
      files.push(join(scratch, `rev-${i}.yaml`));
      writeFileSync(files[i]!, docs.map((d) => (d.startsWith('---') ? d : `---\n${d}`)).join('\n'));
      await git(repo, 'worktree', 'remove', '--force', tree);
    }
    const r = await exec(dyff, ['between', '--omit-header', files[0]!, files[1]!]);
    if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`dyff between: ${r.stderr.slice(0, 500)}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export async function runForeignBench(options: { root?: string; runs?: number; log?: (line: string) => void } = {}): Promise<ForeignBenchResult> {
  const root = options.root ?? findRepoRoot(process.cwd());
  const runs = options.runs ?? 3;
  const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const { dir, paths, releases: before } = writeForeignRepo();
  await git(dir, 'init', '-q', '-b', 'main');
  await git(dir, 'add', '.');
  await git(dir, 'commit', '-q', '-m', 'v1');
  const base = await git(dir, 'rev-parse', 'HEAD');
  const { releases } = writeForeignRepo(dir, true);
  await git(dir, 'commit', '-q', '-am', 'v2: new images on a tenth of the apps and releases');
  const head = await git(dir, 'rev-parse', 'HEAD');
  const v: number[] = [];
  const b: number[] = [];
  const dv: number[] = [];
  const db: number[] = [];
  let changedResources = 0;
  let objects = 0;
  let kustomizations = 0;
  const findings = { errors: 0, warnings: 0, notices: 0 };
  try {
    for (let i = 0; i < runs; i++) {
      const doValidate = async () => {
        const t = cpuMs();
        const r = await validate({ root, path: dir });
        v.push(cpuMs() - t);
        objects = r.stats.objects;
        kustomizations = r.clusters.reduce((n, c) => n + c.kustomizations, 0);
        findings.errors = r.findings.filter((f) => f.severity === 'error').length;
        findings.warnings = r.findings.filter((f) => f.severity === 'warning').length;
        findings.notices = r.findings.filter((f) => f.severity === 'notice').length;
      };
      const doBaseline = async () => {
        const t = cpuMs();
        await baseline(root, dir, paths, releases);
        b.push(cpuMs() - t);
      };
      const doDiff = async () => {
        const t = cpuMs();
        const report = await diffRevisions({ repo: dir, base, head, toolsRoot: root });
        dv.push(cpuMs() - t);
        changedResources = report.totals.changed + report.totals.added + report.totals.removed;
      };
      const doDiffBaseline = async () => {
        const t = cpuMs();
        await diffBaseline(root, dir, [{ rev: base, releases: before }, { rev: head, releases }], paths);
        db.push(cpuMs() - t);
      };
      const order = i % 2 === 0 ? [doValidate, doBaseline, doDiff, doDiffBaseline] : [doBaseline, doValidate, doDiffBaseline, doDiff];
      for (const step of order) await step();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const validateCpuMs = Math.round(median(v));
  const baselineCpuMs = Math.round(median(b));
  const ratio = Number((baselineCpuMs / validateCpuMs).toFixed(2));
  const diff = { changedResources, diffCpuMs: Math.round(median(dv)), baselineCpuMs: Math.round(median(db)), ratio: 0 };
  diff.ratio = Number((diff.baselineCpuMs / diff.diffCpuMs).toFixed(2));
  log(
    `foreign: ${kustomizations} Flux Kustomizations (${paths.length} app paths), ${releases.length} HelmReleases, ${objects} objects, findings ${findings.errors} errors / ${findings.warnings} warnings / ${findings.notices} notices — validate ${validateCpuMs} ms CPU vs kustomize|kubeconform + helm template|kubeconform loop ${baselineCpuMs} ms CPU → ratio ${ratio}× (${ratio >= 1 ? 'validate is cheaper' : 'validate costs more'})`,
  );
  log(
    `foreign diff: two commits, ${diff.changedResources} resources changed — diffRevisions ${diff.diffCpuMs} ms CPU vs the same loop at both commits + dyff between ${diff.baselineCpuMs} ms CPU → ratio ${diff.ratio}× (${diff.ratio >= 1 ? 'diff is cheaper' : 'diff costs more'}); median of ${runs}`,
  );
  return { bench: 'foreign', runs, kustomizations, helmReleases: releases.length, objects, findings, validateCpuMs, baselineCpuMs, ratio, diff };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--runs');
  const result = await runForeignBench({ runs: i > 0 ? Number(process.argv[i + 1]) : 3 });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
