/**
 * Benchmark: full `platform validate` (library call: render as Flux does, kubeconform, policy,
 * capacity/scheduling/resilience) against the baseline everyone runs in CI —
 * `kustomize build <path> | kubeconform -strict` for every Flux Kustomization path, one after the
 * other — over the same paths, measured in the same run. Median of N runs each.
 *
 *  - repo: this repository's clusters.
 *  - synthetic: a generated Flux repository of 300 services (base + overlay each, one Flux
 *    Kustomization per service, a 6-node cluster with quotas), written to a temp folder.
 *
 * The baseline builds each path from the working tree; validate also renders pinned sources from
 * their commits (git archive), so it does strictly more work than the baseline.
 *
 * Run: `npx tsx tooling/bench/src/validate.ts [--runs N]`, or through tooling/bench/src/main.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { discoverFluxKustomizations, kustomizationFile } from '@carbon/render';
import { checkTool, exec, findRepoRoot, schemaLocations } from '@carbon/toolchain';
import { validate } from '@carbon/validate';

export type ValidateBenchCase = {
  name: string;
  paths: number;
  objects: number;
  validateMs: number;
  baselineMs: number;
  /** baseline / validate: above 1 means validate is cheaper. */
  ratio: number;
  findings: number;
};

export type ValidateBenchResult = { bench: 'validate'; runs: number; cases: ValidateBenchCase[] };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The baseline: every Flux Kustomization path, `kustomize build | kubeconform -strict -summary`, sequentially. */
async function baseline(root: string, repo: string, paths: string[]): Promise<number> {
  const kustomize = await checkTool(root, 'kustomize');
  const kubeconform = await checkTool(root, 'kubeconform');
  const locations = schemaLocations(root).flatMap((l) => ['-schema-location', l]);
  const t = performance.now();
  for (const p of paths) {
    const built = await exec(kustomize, ['build', join(repo, p)]);
    await exec(kubeconform, ['-strict', '-summary', ...locations, '-'], { input: built.stdout });
  }
  return performance.now() - t;
}

async function measure(name: string, root: string, repo: string, runs: number, log: (l: string) => void): Promise<ValidateBenchCase> {
  const rendered = await discoverFluxKustomizations(repo, { toolsRoot: root, workingTree: true });
  const paths = [...new Set(rendered.flatMap((c) => c.kustomizations.map((k) => k.path)))].filter((p) => existsSync(join(repo, p)) && kustomizationFile(join(repo, p)));
  const v: number[] = [];
  const b: number[] = [];
  let objects = 0;
  let findings = 0;
  for (let i = 0; i < runs; i++) {
    // Alternate the order so neither side always runs on a warm page cache.
    const doValidate = async () => {
      const t = performance.now();
      const r = await validate({ root, path: repo });
      v.push(performance.now() - t);
      objects = r.stats.objects;
      findings = r.findings.length;
    };
    const doBaseline = async () => b.push(await baseline(root, repo, paths));
    if (i % 2 === 0) {
      await doValidate();
      await doBaseline();
    } else {
      await doBaseline();
      await doValidate();
    }
  }
  const c: ValidateBenchCase = { name, paths: paths.length, objects, validateMs: Math.round(median(v)), baselineMs: Math.round(median(b)), ratio: 0, findings };
  c.ratio = Number((c.baselineMs / c.validateMs).toFixed(2));
  log(`validate/${name}: ${c.paths} Flux paths, ${c.objects} objects — platform validate ${c.validateMs} ms vs kustomize|kubeconform loop ${c.baselineMs} ms → ratio ${c.ratio}× (${c.ratio >= 1 ? 'validate is cheaper' : 'validate is slower'})`);
  return c;
}

/** A Flux repository of `n` services: base (Deployment, Service, PDB, NetworkPolicy) + one overlay each. */
export function writeSyntheticPlatform(n: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-validate-'));
  const put = (p: string, body: unknown) => {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), Array.isArray(body) ? body.map((b) => stringify(b)).join('---\n') : typeof body === 'string' ? body : stringify(body));
  };
  const ks = (name: string, path: string, dependsOn: string[] = []) => ({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: 'flux-system' },
    spec: { interval: '10m', timeout: '5m', path, prune: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' }, ...(dependsOn.length ? { dependsOn: dependsOn.map((d) => ({ name: d })) } : {}) },
  });
  const nsCount = 10;
  put('clusters/synthetic/flux-system/gotk-sync.yaml', [
    { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: 'flux-system', namespace: 'flux-system' }, spec: { interval: '1m', url: 'ssh://git@example.com/x.git', ref: { branch: 'main' } } },
    ks('flux-system', './clusters/synthetic'),
  ]);
  put('clusters/synthetic/flux-system/kustomization.yaml', { resources: ['gotk-sync.yaml'] });
  put('clusters/synthetic/namespaces.yaml', ks('namespaces', './infrastructure/namespaces'));
  put('clusters/synthetic/apps.yaml', Array.from({ length: n }, (_, i) => ks(`svc-${i}`, `./apps/svc-${i}/deploy/overlays/synthetic`, ['namespaces'])));
  put('clusters/synthetic/kustomization.yaml', { resources: ['flux-system', 'namespaces.yaml', 'apps.yaml'] });
  const namespaces: Record<string, unknown> = {};
  const nsObjs: unknown[] = [];
  for (let i = 0; i < nsCount; i++) {
    const ns = `team-${i}`;
    namespaces[ns] = {
      quota: { requests: { cpu: '20', memory: '40Gi' }, limits: { cpu: '40', memory: '80Gi' }, pods: 200, storage: '0', persistentVolumeClaims: 0 },
      limitRange: { defaultRequest: { cpu: '50m', memory: '64Mi' }, default: { cpu: '500m', memory: '512Mi' }, max: { cpu: '4', memory: '8Gi' } },
    };
    nsObjs.push(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny-all', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } },
    );
  }
  put('infrastructure/namespaces/namespaces.yaml', nsObjs);
  put('infrastructure/namespaces/kustomization.yaml', { resources: ['namespaces.yaml'] });
  put('clusters/synthetic/cluster.yaml', {
    apiVersion: 'platform.254carbon.com/v1alpha1',
    kind: 'ClusterFacts',
    metadata: { name: 'synthetic' },
    spec: {
      role: 'production',
      sourcing: 'branch',
      domain: 'example.com',
      registry: { host: 'harbor.example.com', projects: { 'docker.io': 'dockerhub' } },
      git: { url: 'ssh://git@example.com/x.git', branch: 'main', secretRef: 'flux-system' },
      nodes: Array.from({ length: 6 }, (_, i) => ({ name: `node-${i}`, allocatable: { cpu: '32', memory: '128Gi', pods: 250 }, storage: '1000Gi', labels: { 'topology.kubernetes.io/zone': `zone-${i % 3}` } })),
      namespaces,
    },
  });
  for (let i = 0; i < n; i++) {
    const name = `svc-${i}`;
    const ns = `team-${i % nsCount}`;
    const labels = { app: name };
    const header = `# Generated by \`platform generate\` from apps/${name}/src/service.ts. Do not edit by hand.\n`;
    const base = `apps/${name}/deploy/base`;
    put(`${base}/deployment-${name}.yaml`, header + stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns, labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: labels } }],
            containers: [
              {
                name,
                image: `harbor.example.com/dockerhub/app:${i}.0.0`,
                ports: [{ containerPort: 8080, name: 'http' }],
                env: [{ name: 'SERVICE', value: name }],
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
                livenessProbe: { httpGet: { path: '/healthz', port: 'http' } },
                readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
              },
            ],
          },
        },
      },
    }));
    put(`${base}/service-${name}.yaml`, header + stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } }));
    put(`${base}/poddisruptionbudget-${name}.yaml`, header + stringify({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: ns }, spec: { maxUnavailable: 1, selector: { matchLabels: labels } } }));
    put(`${base}/networkpolicy-${name}.yaml`, header + stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec: { podSelector: { matchLabels: labels }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 8080 }] }] } }));
    put(`${base}/kustomization.yaml`, header + stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [`deployment-${name}.yaml`, `service-${name}.yaml`, `poddisruptionbudget-${name}.yaml`, `networkpolicy-${name}.yaml`] }));
    const overlay = `apps/${name}/deploy/overlays/synthetic`;
    put(`${overlay}/configmap-${name}.yaml`, header + stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-config`, namespace: ns }, data: { 'app.properties': `name=${name}\n` } }));
    put(`${overlay}/kustomization.yaml`, header + stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['../../base', `configmap-${name}.yaml`] }));
  }
  return dir;
}

export async function runValidateBench(options: { root?: string; runs?: number; services?: number; log?: (line: string) => void } = {}): Promise<ValidateBenchResult> {
  const root = options.root ?? findRepoRoot(process.cwd());
  const runs = options.runs ?? 3;
  const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const cases: ValidateBenchCase[] = [];
  cases.push(await measure('repo', root, root, runs, log));
  const synthetic = writeSyntheticPlatform(options.services ?? 300);
  try {
    cases.push(await measure(`synthetic-${options.services ?? 300}`, root, synthetic, runs, log));
  } finally {
    rmSync(synthetic, { recursive: true, force: true });
  }
  return { bench: 'validate', runs, cases };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--runs');
  const result = await runValidateBench({ runs: i > 0 ? Number(process.argv[i + 1]) : 3 });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
