/**
 * Benchmark (issue 10): `platform validate` on a synthetic *foreign* Flux repository — the
 * `flux bootstrap` layout with app folders without kustomization.yaml, one Flux Kustomization per
 * app (≥ 80) and HelmReleases (≥ 50) templated from a chart in the repository — against the loop
 * people run on such repositories: `kustomize build <path> | kubeconform -strict` for every Flux
 * Kustomization path plus `helm template <release> <chart> -f <values> | kubeconform -strict` for
 * every HelmRelease, over the same paths and releases, measured in the same run.
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

/** The synthetic repository; returns its folder and what the baseline loop runs over. */
export function writeForeignRepo(): { dir: string; paths: string[]; releases: { name: string; ns: string; values: string }[] } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-foreign-'));
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
    put(`${path}/deployment.yaml`, workload(name, name, `registry.example/${name}:1.${i}`));
    put(`${path}/service.yaml`, { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: name }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
    if (i < RELEASES) {
      const values = { replicas: 2, image: `registry.example/${name}-web:2.${i}` };
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

async function baseline(root: string, repo: string, paths: string[], releases: { name: string; ns: string; values: string }[]): Promise<void> {
  const kustomize = await checkTool(root, 'kustomize');
  const kubeconform = await checkTool(root, 'kubeconform');
  const helm = await checkTool(root, 'helm');
  const locations = schemaLocations(root).flatMap((l) => ['-schema-location', l]);
  const scratch = mkdtempSync(join(tmpdir(), 'bench-foreign-baseline-'));
  try {
    // What people do for folders without kustomization.yaml: `kustomize create --autodetect` once, then build.
    for (const p of paths) {
      const d = join(scratch, p);
      mkdirSync(d, { recursive: true });
      const files = ['namespace.yaml', 'deployment.yaml', 'service.yaml'].map((f) => join(repo, p, f));
      writeFileSync(join(d, 'kustomization.yaml'), stringify({ resources: files }));
    }
    for (const p of paths) {
      const built = await exec(kustomize, ['build', '--load-restrictor', 'LoadRestrictionsNone', join(scratch, p)]);
      if (built.exitCode !== 0) throw new Error(`baseline kustomize build ${p}: ${built.stderr}`);
      await exec(kubeconform, ['-strict', '-summary', ...locations, '-'], { input: built.stdout });
    }
    for (const r of releases) {
      const values = join(scratch, `${r.name}.yaml`);
      writeFileSync(values, r.values);
      const out = await exec(helm, ['template', r.name, join(repo, 'charts/web'), '--namespace', r.ns, '-f', values], { env: { HELM_CACHE_HOME: join(scratch, 'h'), HELM_CONFIG_HOME: join(scratch, 'h'), HELM_DATA_HOME: join(scratch, 'h') } });
      if (out.exitCode !== 0) throw new Error(`baseline helm template ${r.name}: ${out.stderr}`);
      await exec(kubeconform, ['-strict', '-summary', ...locations, '-'], { input: out.stdout });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export async function runForeignBench(options: { root?: string; runs?: number; log?: (line: string) => void } = {}): Promise<ForeignBenchResult> {
  const root = options.root ?? findRepoRoot(process.cwd());
  const runs = options.runs ?? 3;
  const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const { dir, paths, releases } = writeForeignRepo();
  const v: number[] = [];
  const b: number[] = [];
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
      if (i % 2 === 0) {
        await doValidate();
        await doBaseline();
      } else {
        await doBaseline();
        await doValidate();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const validateCpuMs = Math.round(median(v));
  const baselineCpuMs = Math.round(median(b));
  const ratio = Number((baselineCpuMs / validateCpuMs).toFixed(2));
  log(
    `foreign: ${kustomizations} Flux Kustomizations (${paths.length} app paths), ${releases.length} HelmReleases, ${objects} objects, findings ${findings.errors} errors / ${findings.warnings} warnings / ${findings.notices} notices — validate ${validateCpuMs} ms CPU vs kustomize|kubeconform + helm template|kubeconform loop ${baselineCpuMs} ms CPU → ratio ${ratio}× (${ratio >= 1 ? 'validate is cheaper' : 'validate costs more'})`,
  );
  return { bench: 'foreign', runs, kustomizations, helmReleases: releases.length, objects, findings, validateCpuMs, baselineCpuMs, ratio };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--runs');
  const result = await runForeignBench({ runs: i > 0 ? Number(process.argv[i + 1]) : 3 });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
