import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parse, stringify } from 'yaml';
import { exec, KUBERNETES_VERSION, runConfined, toolPath, type Runner } from '@carbon/toolchain';
import { firstErrorLine, limiter } from './build.ts';
import { lazyObject, splitDocuments } from './lazy.ts';
import { isSopsEncrypted } from './substitute.ts';
import { walkTree } from './walk.ts';
import type { ManifestObject } from './yaml.ts';

export const HELM_GROUP = 'helm.toolkit.fluxcd.io/';
export const isHelmRelease = (o: ManifestObject): boolean => o.kind === 'HelmRelease' && typeof o.apiVersion === 'string' && o.apiVersion.startsWith(HELM_GROUP);

export type ChartOptions = {
  /** Folder of fetched charts (`<hash of repo url, chart, version>/<chart>-<version>.tgz`). */
  cacheDir: string;
  /** Fetch charts that are not in the cache (`helm pull`: the one step that uses the network). */
  fetch: boolean;
};

/** What a HelmRelease rendered to, or why it was not. */
export type HelmResult =
  | { kind: 'rendered'; objects: ManifestObject[]; chart: string }
  | { kind: 'not-rendered'; reason: string; hint: string }
  | { kind: 'failed'; message: string; hint: string };

export type HelmContext = {
  repoRoot: string;
  sources: Map<string, ManifestObject>;
  /** A ConfigMap or Secret among what the cluster renders. */
  find: (kind: string, namespace: string, name: string) => ManifestObject | undefined;
  /** Why a declared source is outside this repository (undefined: it is this repository). */
  external: (src: ManifestObject) => Promise<string | undefined>;
};

/** Kinds without a namespace (helm-controller applies namespaced objects into the release namespace). */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass', 'PriorityClass', 'IngressClass',
  'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'APIService', 'CSIDriver', 'RuntimeClass',
  'ClusterIssuer', 'ClusterSecretStore', 'ClusterExternalSecret', 'VolumeSnapshotClass', 'GatewayClass',
]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The first entry below `dir` that is a symlink resolving outside `root` (bounded walk), else undefined. */
function linkOutside(dir: string, root: string): string | undefined {
  let found: string | undefined;
  walkTree(dir, { maxEntries: 20_000 }, (p, e) => {
    if (!e.isSymbolicLink()) return false;
    let real: string;
    try {
      real = realpathSync(p);
    } catch {
      return false; // dangling: helm reports it
    }
    if (real !== root && !real.startsWith(`${root}${sep}`)) found = relative(root, p);
    return found !== undefined;
  });
  return found;
}

/**
 * The cache folder of one chart version: `<cacheDir>/<hash of repository URL, chart, version>/`
 * holding the `<chart>-<version>.tgz` `helm pull` wrote (an HTTP index or an OCI registry alike).
 * `version` is the release's version (or constraint) as written, `*` when none.
 */
export function chartCacheDir(cacheDir: string, url: string, chart: string, version: string): string {
  return join(cacheDir, createHash('sha256').update(`${url}\0${chart}\0${version}`).digest('hex').slice(0, 32));
}

/** Helm's value merge: maps merge key by key, anything else is replaced. */
export function mergeValues(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObject(v) && isObject(out[k]) ? mergeValues(out[k] as Record<string, unknown>, v) : v;
  return out;
}

/** `a.b[0].c` (helm's --set path syntax, without escapes) → segments. */
function pathSegments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return [part];
    if (m[1]) out.push(m[1]);
    for (const i of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(i[1]));
  }
  return out;
}

function setPath(values: Record<string, unknown>, path: string, value: unknown): void {
  const segs = pathSegments(path);
  let cur: any = values;
  segs.forEach((s, i) => {
    if (i === segs.length - 1) cur[s] = value;
    else {
      if (typeof cur[s] !== 'object' || cur[s] === null) cur[s] = typeof segs[i + 1] === 'number' ? [] : {};
      cur = cur[s];
    }
  });
}

function dataOf(o: ManifestObject, key: string): string | undefined {
  const data = (o.data ?? {}) as Record<string, unknown>;
  if (o.kind === 'Secret') {
    const s = (o.stringData ?? {}) as Record<string, unknown>;
    if (typeof s[key] === 'string') return s[key] as string;
    return typeof data[key] === 'string' ? Buffer.from(data[key] as string, 'base64').toString('utf8') : undefined;
  }
  return typeof data[key] === 'string' ? (data[key] as string) : undefined;
}

/**
 * Templates HelmReleases the way helm-controller installs them: the chart from its HelmRepository
 * (HTTP index or OCI), a GitRepository path or an OCIRepository; `valuesFrom` (ConfigMap/Secret
 * keys, `targetPath`) merged in order, `values` over them; the release name and namespace
 * (`targetNamespace`); CRDs unless `install.crds: Skip`; `postRenderers` kustomize patches/images.
 * Charts are read from a cache keyed by repository URL, chart and version; `helm pull` fills it
 * only when `fetch` is set. `helm template` itself runs offline, on files in the cache or the repository.
 */
export class HelmRenderer {
  private readonly helm: string;
  private readonly kustomize: string;
  private readonly limit = limiter(2);
  private readonly pulls = new Map<string, Promise<string | { reason: string; hint: string }>>();
  runs = 0;

  constructor(
    toolsRoot: string,
    private readonly tempDir: () => string,
    private readonly charts: ChartOptions,
    private readonly runner: Runner = exec,
  ) {
    this.helm = toolPath(toolsRoot, 'helm');
    this.kustomize = toolPath(toolsRoot, 'kustomize');
  }

  /**
   * helm with its config, cache and data homes in a fresh folder (no user repositories, no plugins).
   * `helm template` runs confined like kustomize (own network namespace, memory ceiling, time and
   * output limits, process group killed); only `helm pull`, the explicit fetch step, has the network.
   */
  private async run(args: string[], network: boolean, timeoutMs = 120_000) {
    const home = this.tempDir();
    const env = { HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data'), HELM_PLUGINS: join(home, 'plugins') };
    return this.limit(() => {
      this.runs++;
      return network ? this.runner(this.helm, args, { timeoutMs, env, killTree: true }) : runConfined(this.helm, args, { timeoutMs, env }, this.runner);
    });
  }

  /** The cached chart archive for (url, chart, version), pulled into the cache first when allowed. */
  private chartArchive(url: string, chart: string, version: string): Promise<string | { reason: string; hint: string }> {
    const dir = chartCacheDir(this.charts.cacheDir, url, chart, version);
    const key = dir;
    let p = this.pulls.get(key);
    if (p) return p;
    p = (async () => {
      const cached = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.tgz')) : undefined;
      if (cached) return join(dir, cached);
      const what = `chart ${chart}${version !== '*' ? `@${version}` : ''} from ${url}`;
      if (!this.charts.fetch) return { reason: `needs network: ${what} is not in the chart cache (${this.charts.cacheDir})`, hint: 'run with --fetch-charts once where the chart repository or registry is reachable (it downloads charts into the cache; rendering itself stays offline)' };
      const into = this.tempDir();
      const oci = url.startsWith('oci://');
      const args = oci ? ['pull', `${url.replace(/\/+$/, '')}/${chart}`, '-d', into] : ['pull', chart, '--repo', url, '-d', into];
      if (version !== '*') args.push('--version', version);
      const r = await this.run(args, true, 180_000);
      const got = readdirSync(into).find((f) => f.endsWith('.tgz'));
      if (r.exitCode !== 0 || !got) return { reason: `${what} cannot be fetched: ${firstErrorLine(r.stderr || r.stdout)}`, hint: 'check the HelmRepository URL, the chart name and version, and network access' };
      mkdirSync(this.charts.cacheDir, { recursive: true });
      const tmp = `${dir}.${process.pid}.tmp`;
      rmSync(tmp, { recursive: true, force: true });
      mkdirSync(tmp);
      renameSync(join(into, got), join(tmp, got));
      try {
        renameSync(tmp, dir);
      } catch {
        rmSync(tmp, { recursive: true, force: true }); // another run cached it first
      }
      const final = readdirSync(dir).find((f) => f.endsWith('.tgz'));
      return final ? join(dir, final) : { reason: `${what}: the chart cache is unreadable`, hint: `remove ${dir}` };
    })();
    this.pulls.set(key, p);
    return p;
  }

  /**
   * The chart to template: a cached archive or a folder inside the repository. `spec.chart.spec`
   * and a `chartRef` to a HelmChart (chart, version, sourceRef in the HelmChart's namespace) resolve
   * the same way; a `chartRef` to an OCIRepository is the chart its URL and tag name.
   */
  private async chartOf(hr: ManifestObject, ns: string, ctx: HelmContext): Promise<string | { reason: string; hint: string }> {
    const spec = (hr.spec ?? {}) as Record<string, any>;
    if (isObject(spec.chartRef)) {
      const ref = spec.chartRef as Record<string, any>;
      const refNs = String(ref.namespace ?? ns);
      const key = `${ref.kind}/${refNs}/${ref.name}`;
      const src = ctx.sources.get(key);
      if (!src) return { reason: `chartRef ${key} is not declared on this cluster`, hint: 'declare the source, or fix chartRef' };
      if (ref.kind === 'HelmChart') return this.chartFromSpec((src.spec ?? {}) as Record<string, any>, refNs, ctx, `HelmChart ${key}`);
      if (ref.kind !== 'OCIRepository') return { reason: `chartRef ${ref.kind} is not rendered`, hint: 'nothing to fix here: this release is not checked' };
      const url = String((src.spec as any)?.url ?? '').replace(/\/+$/, '');
      if (!url.startsWith('oci://')) return { reason: `OCIRepository ${key} has no oci:// url`, hint: 'set spec.url' };
      const tag = (src.spec as any)?.ref?.tag ?? (src.spec as any)?.ref?.semver ?? '*';
      const slash = url.lastIndexOf('/');
      return this.chartArchive(url.slice(0, slash), url.slice(slash + 1), String(tag));
    }
    return this.chartFromSpec((spec.chart?.spec ?? {}) as Record<string, any>, ns, ctx, 'spec.chart.spec');
  }

  /** A chart named by `{ chart, version, sourceRef }` (a HelmRelease's chart template or a HelmChart's spec). */
  private async chartFromSpec(cs: Record<string, any>, ns: string, ctx: HelmContext, where: string): Promise<string | { reason: string; hint: string }> {
    const notSupported = (what: string) => ({ reason: what, hint: 'nothing to fix here: this release is not checked' });
    const chart = typeof cs.chart === 'string' ? cs.chart : '';
    const sref = (cs.sourceRef ?? {}) as Record<string, any>;
    const key = `${sref.kind}/${sref.namespace ?? ns}/${sref.name}`;
    if (!chart) return { reason: `${where}: chart is empty`, hint: 'name the chart' };
    const src = ctx.sources.get(key);
    if (!src) return { reason: `${where}: sourceRef ${key} is not declared on this cluster`, hint: 'declare the HelmRepository/GitRepository, or fix sourceRef' };
    if (sref.kind === 'HelmRepository') {
      const url = String((src.spec as any)?.url ?? '');
      if (!url) return { reason: `HelmRepository ${key} has no url`, hint: 'set spec.url' };
      // `type: oci` repositories carry an oci:// URL (Flux requires it); helm pulls them from the registry.
      return this.chartArchive(url, chart, typeof cs.version === 'string' && cs.version ? cs.version : '*');
    }
    if (sref.kind === 'GitRepository') {
      const outside = await ctx.external(src);
      if (outside) return notSupported(`the chart is in another repository (${outside.replace(/^its source is /, '')})`);
      const rel = chart.replace(/\\/g, '/').replace(/^\.\//, '');
      if (rel.startsWith('/') || rel.split('/').includes('..')) return { reason: `chart path "${chart}" leaves the repository`, hint: 'use a path inside the repository, like ./charts/<name>' };
      const dir = join(ctx.repoRoot, rel);
      let real: string;
      try {
        real = realpathSync(dir);
      } catch {
        return { reason: `chart path ./${rel} does not exist`, hint: 'fix spec.chart.spec.chart (relative to the repository root)' };
      }
      const root = realpathSync(ctx.repoRoot);
      if (real !== root && !real.startsWith(`${root}${sep}`)) return { reason: `chart path ./${rel} leads outside the repository`, hint: 'charts are read from inside the repository only' };
      if (!statSync(real).isDirectory() || !existsSync(join(real, 'Chart.yaml'))) return { reason: `./${rel} is not a chart (no Chart.yaml)`, hint: 'point spec.chart.spec.chart at a chart folder' };
      const escape = linkOutside(real, root);
      if (escape) return { reason: `chart ./${rel} holds ${escape}, a symbolic link that leads outside the repository; nothing of it was read`, hint: 'charts are read from inside the repository only' };
      return real;
    }
    return notSupported(`charts from a ${String(sref.kind)} are not rendered`);
  }

  /** The merged values of a release, or why they cannot be known offline. */
  private valuesOf(hr: ManifestObject, ns: string, ctx: HelmContext): { values: Record<string, unknown> } | { reason: string; hint: string } {
    const spec = (hr.spec ?? {}) as Record<string, any>;
    let values: Record<string, unknown> = {};
    for (const vf of Array.isArray(spec.valuesFrom) ? spec.valuesFrom : []) {
      const kind = String(vf?.kind ?? '');
      const name = String(vf?.name ?? '');
      const key = typeof vf?.valuesKey === 'string' ? vf.valuesKey : 'values.yaml';
      const found = kind === 'ConfigMap' || kind === 'Secret' ? ctx.find(kind, ns, name) : undefined;
      if (found && isSopsEncrypted(found)) return { reason: `valuesFrom ${kind}/${name} is SOPS-encrypted (never decrypted here)`, hint: 'keep values a check needs in a plain ConfigMap or in spec.values' };
      const text = found ? dataOf(found, key) : undefined;
      if (text === undefined) {
        if (vf?.optional === true) continue;
        return { reason: `valuesFrom ${kind}/${name} key ${key} is not in what this cluster renders (it is created in the cluster)`, hint: 'render it from the repository, or mark it optional' };
      }
      if (typeof vf?.targetPath === 'string' && vf.targetPath) {
        setPath(values, vf.targetPath, text);
        continue;
      }
      let parsed: unknown;
      try {
        parsed = parse(text);
      } catch (e) {
        return { reason: `valuesFrom ${kind}/${name} key ${key} is not YAML: ${(e as Error).message.split('\n')[0]}`, hint: 'fix the values document' };
      }
      if (isObject(parsed)) values = mergeValues(values, parsed);
    }
    if (isObject(spec.values)) values = mergeValues(values, spec.values);
    return { values };
  }

  async render(hr: ManifestObject, ns: string, ctx: HelmContext): Promise<HelmResult> {
    const spec = (hr.spec ?? {}) as Record<string, any>;
    const chart = await this.chartOf(hr, ns, ctx);
    if (typeof chart !== 'string') return { kind: 'not-rendered', ...chart };
    const merged = this.valuesOf(hr, ns, ctx);
    if (!('values' in merged)) return { kind: 'not-rendered', ...merged };
    const releaseNs = typeof spec.targetNamespace === 'string' && spec.targetNamespace ? spec.targetNamespace : ns;
    const name = String(hr.metadata?.name ?? 'release');
    const release = typeof spec.releaseName === 'string' && spec.releaseName ? spec.releaseName : spec.targetNamespace ? `${spec.targetNamespace}-${name}` : name;
    const work = this.tempDir();
    writeFileSync(join(work, 'values.yaml'), stringify(merged.values));
    const args = ['template', release, chart, '--namespace', releaseNs, '--values', join(work, 'values.yaml'), '--skip-tests', '--kube-version', KUBERNETES_VERSION];
    if ((spec.install?.crds ?? 'Create') !== 'Skip') args.push('--include-crds');
    const r = await this.run(args, false);
    if ('limit' in r && r.limit) return { kind: 'failed', message: `helm template stopped: it exceeded its ${r.limit} limit`, hint: 'the chart or its values expand too much' };
    if (r.exitCode !== 0) return { kind: 'failed', message: `helm template failed: ${firstErrorLine(r.stderr || r.stdout)}`, hint: `the chart with these values fails to render; helm-controller would fail the same way (reproduce: helm template ${release} <chart> -f <values>)` };
    let text = r.stdout;
    for (const [i, pr] of (Array.isArray(spec.postRenderers) ? spec.postRenderers : []).entries()) {
      const k = pr?.kustomize;
      if (!isObject(k)) continue;
      const d = join(work, `post-${i}`);
      mkdirSync(d);
      writeFileSync(join(d, 'rendered.yaml'), text);
      const kus: Record<string, unknown> = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['rendered.yaml'] };
      if (Array.isArray(k.patches)) kus.patches = k.patches;
      if (Array.isArray(k.images)) kus.images = k.images;
      writeFileSync(join(d, 'kustomization.yaml'), stringify(kus));
      const b = await this.limit(() => runConfined(this.kustomize, ['build', d], { timeoutMs: 120_000 }, this.runner));
      if (b.exitCode !== 0) return { kind: 'failed', message: `postRenderers[${i}] kustomize failed: ${firstErrorLine(b.stderr || b.stdout)}`, hint: 'check the post-renderer patches against the chart output' };
      text = b.stdout;
    }
    const objects = splitDocuments(text).map((raw) => {
      const o = lazyObject(raw);
      if (o.kind && !CLUSTER_SCOPED.has(o.kind) && o.metadata && !o.metadata.namespace) o.metadata = { ...o.metadata, namespace: releaseNs };
      return o;
    });
    const shown = relative(ctx.repoRoot, chart).startsWith('..') ? chart.split(sep).pop()! : relative(ctx.repoRoot, chart);
    return { kind: 'rendered', objects, chart: shown };
  }
}
