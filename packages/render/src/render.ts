import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { isAbsolute, join, posix, relative, sep } from 'node:path';
import { stringify } from 'yaml';
import { exec, findRepoRoot, span, spanSync } from '@carbon/toolchain';
import { listFluxClusters } from './discover.ts';
import { HelmRenderer, isHelmRelease, type HelmContext } from './helm.ts';
import { Builder, kustomizationFile, overlayOf, type BuildResult, type BuiltObject, type Located, type Overlay } from './build.ts';
import { GitTree } from './gittree.ts';
import { lazyObject } from './lazy.ts';
import { parseYamlFast } from './fast-yaml.ts';
import { covers, extractCommit, GitSourceError, includedPaths } from './git.ts';
import { isSopsEncrypted, substitute, SUBSTITUTE_DISABLED } from './substitute.ts';
import { Root } from './guard.ts';
import { INPUT_ERROR_CODES, type FluxKustomization, type RenderedCluster, type RenderedObject, type RenderIssue, type RenderOptions, type SourceRef } from './types.ts';
import { parseYamlFile, type ManifestObject, type ParsedFile, type Position } from './yaml.ts';

const KS_GROUP = 'kustomize.toolkit.fluxcd.io/';
const SOURCE_GROUP = 'source.toolkit.fluxcd.io/';

export const isFluxKustomization = (o: ManifestObject): boolean => o.kind === 'Kustomization' && typeof o.apiVersion === 'string' && o.apiVersion.startsWith(KS_GROUP);

export { listFluxClusters } from './discover.ts';

/** Attaches the syntax tree of an object's source document so findings can locate any field. */
const docs = new WeakMap<RenderedObject, Located>();
const raws = new WeakMap<RenderedObject, string>();

/** The object's YAML exactly as kustomize printed it (undefined when substitution changed it or no kustomize ran). */
export function rawYaml(o: RenderedObject): string | undefined {
  return raws.get(o);
}

/** Line and column of a field (dotted path as segments) of a rendered object in its source file. */
export function locateField(o: RenderedObject, path: readonly (string | number)[]): Position | undefined {
  return docs.get(o)?.locate(path);
}

/**
 * Renders every cluster of the Flux repository at `dir` as kustomize-controller would: starting
 * at `clusters/<name>/`, following each Flux Kustomization's `spec.path` from its source, until
 * no new Kustomization appears.
 */
export async function discoverFluxKustomizations(dir: string, options: RenderOptions = {}): Promise<RenderedCluster[]> {
  const { repoRoot, clusters } = listFluxClusters(dir);
  const selected = options.clusters ? clusters.filter((c) => options.clusters!.includes(c.name)) : clusters;
  const session = new RenderSession(repoRoot, options);
  try {
    return await span('render clusters', () => Promise.all(selected.map((c) => session.renderCluster(c.name, c.dir))));
  } finally {
    session.dispose();
  }
}

type Entry = FluxKustomization & { raw: ManifestObject; key: string };

/** Where a build's object came from, as stored with a build keyed by git objects. */
type TreeDoc = { file: string; line: number; column: number; kind?: string; name?: string; namespace?: string; generatedFrom?: string; fixed?: true };
type TreeBuild = { raws: string[]; docs: (TreeDoc | null)[] };

export class RenderSession {
  private readonly temps: string[] = [];
  private readonly builder: Builder;
  private readonly toolsRoot: string;
  /** Extractions per commit: the folders each holds ([] = the whole tree). */
  private readonly commits = new Map<string, { paths: string[]; dir: Promise<string> }[]>();

  constructor(
    readonly repoRoot: string,
    private readonly options: RenderOptions = {},
  ) {
    let toolsRoot = options.toolsRoot;
    if (!toolsRoot) {
      try {
        toolsRoot = findRepoRoot(process.cwd());
      } catch {
        toolsRoot = repoRoot;
      }
    }
    this.toolsRoot = toolsRoot;
    this.builder = new Builder(toolsRoot, () => this.temp(), options.parallelism ?? defaultParallelism(), options.runner ?? exec, options.cache);
  }

  get kustomizeRuns(): number {
    return this.builder.kustomizeRuns;
  }

  private temp(): string {
    const d = mkdtempSync(join(tmpdir(), 'carbon-render-'));
    this.temps.push(d);
    return d;
  }

  dispose(): void {
    for (const d of this.temps.splice(0)) rmSync(d, { recursive: true, force: true });
  }

  /**
   * The folder holding `commit`'s tree (at least `paths`), extracted once per run. Services pinned
   * to the same commit share one extraction: `prefetch` asks for the union of their folders first,
   * so 22 services promoted together cost one `git archive`, not 22.
   */
  private commitRoot(commit: string, wanted: string[]): Promise<string> {
    const list = this.commits.get(commit) ?? [];
    const hit = list.find((x) => covers(x.paths, wanted));
    if (hit) return hit.dir;
    // The first build that misses extracts what every service pinned there needs (the union prefetch saw).
    const union = this.unions.get(commit);
    const paths = union && covers(union, wanted) ? union : wanted;
    const into = this.temp();
    const dir = span('git extract pinned commit', () => extractCommit(this.repoRoot, commit, paths, into, this.options.runner ?? exec)).then(() => into);
    list.push({ paths, dir });
    this.commits.set(commit, list);
    return dir;
  }

  /**
   * For every pinned commit a batch of Kustomizations needs: with a cache, reads its tree from git
   * (no extraction: builds whose key is in the cache never need the files); without one, starts one
   * extraction of the union of their folders.
   */
  private prefetch(wanted: Map<string, string[][]>): void {
    for (const [commit, lists] of wanted) {
      const all = lists.some((l) => !l.length);
      const union = all ? [] : [...new Set(lists.flat())].sort();
      const known = this.unions.get(commit);
      this.unions.set(commit, known && covers(known, union) ? known : union);
      if (this.options.cache) void this.gitTree(commit);
      else if (!(this.commits.get(commit) ?? []).some((x) => covers(x.paths, union))) void this.commitRoot(commit, union).catch(() => undefined);
    }
  }

  /** Folders each pinned commit's Kustomizations need together ([] = the whole tree). */
  private readonly unions = new Map<string, string[]>();
  private readonly trees = new Map<string, Promise<GitTree | undefined>>();

  /** The commit's tree from git's object database, once per run; undefined when it cannot be read. */
  private gitTree(commit: string): Promise<GitTree | undefined> {
    let t = this.trees.get(commit);
    if (!t) {
      t = span('git tree listing (ls-tree + cat-file)', () => GitTree.load(this.repoRoot, commit, this.options.runner ?? exec, this.options.cache)).catch(() => undefined);
      this.trees.set(commit, t);
    }
    return t;
  }

  /**
   * A pinned build answered from the cache by its git-object key, without extracting the commit;
   * otherwise the key (when one can be made) to store the build under once it has run.
   */
  private async fromTree(commit: string, paths: string[], path: string, overlay: Overlay | undefined): Promise<{ hit?: BuildResult; key?: string }> {
    const cache = this.options.cache;
    if (!cache || !covers(paths, [path])) return {};
    const tree = await this.gitTree(commit);
    const key = tree && spanSync('render tree key', () => tree.buildKey(path, overlay, cache.toolId(this.builder.kustomize), paths));
    if (!tree || !key) return {};
    const stored = cache.getResult(key);
    if (stored === undefined) return { key };
    let entry: TreeBuild;
    try {
      entry = JSON.parse(stored) as TreeBuild;
    } catch {
      return { key };
    }
    if (!Array.isArray(entry.raws) || !Array.isArray(entry.docs) || entry.docs.length !== entry.raws.length) return { key };
    cache.stats.treeHits++;
    return { key, hit: { objects: entry.raws.map((raw, i) => this.treeObject(tree, raw, entry.docs[i] ?? undefined)), issues: [] } };
  }

  private readonly treeFiles = new Map<string, ParsedFile>();

  /** An object of a build served from the cache by git key: located from the stored match, fields located from the blob on demand. */
  private treeObject(tree: GitTree, raw: string, d: TreeDoc | undefined): BuiltObject {
    const object = lazyObject(raw);
    if (!d) return { object, raw };
    const position = { line: d.line, column: d.column };
    if (d.fixed) return { object, raw, doc: { file: d.file, position, locate: () => position, fixed: true, ...(d.kind ? { kind: d.kind } : {}), ...(d.name ? { name: d.name } : {}) }, ...(d.generatedFrom ? { generatedFrom: d.generatedFrom } : {}) };
    tree.want(d.file);
    const locate = (path: readonly (string | number)[]) => {
      const memo = `${tree.commit}\0${d.file}`;
      let parsed = this.treeFiles.get(memo);
      if (!parsed) {
        const text = tree.text(d.file);
        parsed = text === undefined ? { docs: [], problems: [] } : parseYamlFile(text, d.file);
        this.treeFiles.set(memo, parsed);
      }
      return parsed.docs.find((x) => x.object.kind === d.kind && x.object.metadata?.name === d.name && (x.object.metadata?.namespace ?? undefined) === d.namespace)?.locate(path);
    };
    const doc: Located = { file: d.file, position, locate, ...(d.kind ? { kind: d.kind } : {}), ...(d.name ? { name: d.name } : {}), ...(d.namespace ? { namespace: d.namespace } : {}) };
    return { object, raw, doc, ...(d.generatedFrom ? { generatedFrom: d.generatedFrom } : {}) };
  }

  /** Stores a pinned build that ran (from the extraction) under its git-object key. */
  private storeTreeBuild(key: string, res: BuildResult): void {
    if (res.issues.length || !res.objects.every((o) => o.raw !== undefined)) return;
    const docs: (TreeDoc | null)[] = res.objects.map((o) =>
      o.doc ? { file: o.doc.file, line: o.doc.position.line, column: o.doc.position.column, ...(o.doc.kind ? { kind: o.doc.kind } : {}), ...(o.doc.name ? { name: o.doc.name } : {}), ...(o.doc.namespace ? { namespace: o.doc.namespace } : {}), ...(o.generatedFrom ? { generatedFrom: o.generatedFrom } : {}), ...(o.doc.fixed ? { fixed: true as const } : {}) } : null,
    );
    this.options.cache?.putResult(key, JSON.stringify({ raws: res.objects.map((o) => o.raw!), docs } satisfies TreeBuild));
  }

  async renderCluster(cluster: string, clusterDir: string): Promise<RenderedCluster> {
    const errors: RenderIssue[] = [];
    const sources = new Map<string, ManifestObject>();
    const entries: Entry[] = [];
    const byKey = new Map<string, Entry>();
    const rootPath = normalisePath(clusterDir) ?? '';

    const root: Entry = {
      key: '',
      name: clusterDir.split('/').pop() ?? cluster,
      namespace: 'flux-system',
      path: rootPath,
      pathExists: existsSync(join(this.repoRoot, rootPath)),
      dependsOn: [],
      sourceRef: { kind: 'GitRepository', name: '(working tree)', namespace: 'flux-system', mode: 'worktree' },
      spec: {},
      objects: [],
      raw: {},
    };
    entries.push(root);
    // Until the cluster's own sync Kustomization is found, Flux bootstrap's convention names the root source.
    let rootSourceKey = 'GitRepository/flux-system/flux-system';

    const discover = (from: Entry, built: RenderedObject[]): Entry[] => {
      const found: Entry[] = [];
      for (const ro of built) {
        const o = ro.object;
        if (typeof o.apiVersion === 'string' && o.apiVersion.startsWith(SOURCE_GROUP) && o.metadata?.name) {
          sources.set(`${o.kind}/${o.metadata.namespace ?? from.namespace}/${o.metadata.name}`, o);
        }
        if (!isFluxKustomization(o) || !o.metadata?.name) continue;
        const spec = (o.spec ?? {}) as Record<string, any>;
        const namespace = o.metadata.namespace ?? 'flux-system';
        const key = `${namespace}/${o.metadata.name}`;
        const path = normalisePath(typeof spec.path === 'string' ? spec.path : '');
        const ref = (spec.sourceRef ?? {}) as Record<string, string>;
        const sourceRef: SourceRef = { kind: ref.kind ?? 'GitRepository', name: ref.name ?? '', namespace: ref.namespace ?? namespace, mode: 'unresolved' };
        const entry: Entry = {
          key,
          name: o.metadata.name,
          namespace,
          path: path ?? String(spec.path ?? ''),
          pathExists: false,
          dependsOn: (Array.isArray(spec.dependsOn) ? spec.dependsOn : []).map((d: any) => ({ name: String(d?.name ?? ''), namespace: String(d?.namespace ?? namespace) })),
          sourceRef,
          ...(ro.sourceFile ? { definedIn: { file: ro.sourceFile, ...(ro.line ? { line: ro.line } : {}), ...(ro.column ? { column: ro.column } : {}) } } : {}),
          spec,
          objects: [],
          raw: o,
        };
        if (path === undefined) {
          errors.push({ code: 'path', severity: 'error', file: ro.sourceFile ?? clusterDir, ...(ro.line ? { line: ro.line } : {}), message: `Kustomization ${key}: spec.path "${String(spec.path)}" leaves the source`, hint: 'use a path inside the repository, like ./apps/<name>', kustomization: key });
        }
        if (byKey.has(key)) continue;
        // The cluster's own sync (flux-system → ./clusters/<name>) is the root we started from.
        if (path === rootPath && !root.key) {
          Object.assign(root, { ...entry, objects: root.objects, pathExists: root.pathExists });
          rootSourceKey = `${sourceRef.kind}/${sourceRef.namespace}/${sourceRef.name}`;
          root.sourceRef = { ...sourceRef, mode: 'worktree' };
          byKey.set(key, root);
          continue;
        }
        byKey.set(key, entry);
        entries.push(entry);
        found.push(entry);
      }
      return found;
    };

    /** Working-tree folders whose kustomization this cluster's builds read: a YAML file there that is not listed is not applied. */
    const kustomizationDirs = new Set<string>();
    // Kustomizations of one wave render concurrently; one that substitutes from a ConfigMap/Secret
    // waits for its dependsOn targets of that wave first (Flux applies those before it), never
    // for one that (transitively) waits for it.
    const running = new Map<string, Promise<void>>();
    const waits = new Map<string, Set<string>>();
    const reaches = (from: string, to: string, seen = new Set<string>()): boolean => {
      if (from === to) return true;
      if (seen.has(from)) return false;
      seen.add(from);
      return [...(waits.get(from) ?? [])].some((n) => reaches(n, to, seen));
    };
    const afterDependencies = async (e: Entry): Promise<void> => {
      const deps = e.dependsOn.map((d) => `${d.namespace}/${d.name}`).filter((k) => k !== e.key && running.has(k) && !reaches(k, e.key));
      waits.set(e.key, new Set(deps));
      await Promise.all(deps.map((k) => running.get(k)));
    };
    const renderEntry = async (e: Entry): Promise<void> => {
      let base = this.repoRoot;
      let commit: string | undefined;
      let treeBuild: { hit?: BuildResult; key?: string } | undefined;
      if (e !== root) {
        const sk = `${e.sourceRef.kind}/${e.sourceRef.namespace}/${e.sourceRef.name}`;
        const src = sources.get(sk);
        const pin = (src?.spec as any)?.ref?.commit;
        const external = src && e.sourceRef.kind === 'GitRepository' && sk !== rootSourceKey ? await this.externalReason(src, sources.get(rootSourceKey)) : undefined;
        if (external) {
          Object.assign(e.sourceRef, { mode: 'external', reason: external });
          return;
        }
        if (sk === rootSourceKey || (src && e.sourceRef.kind === 'GitRepository' && (typeof pin !== 'string' || this.options.workingTree))) {
          e.sourceRef.mode = 'worktree';
          if (typeof pin === 'string') e.sourceRef.commit = pin;
        } else if (src && e.sourceRef.kind === 'GitRepository' && typeof pin === 'string') {
          e.sourceRef.commit = pin;
          const paths = includedPaths((src.spec as any)?.ignore);
          try {
            if (e.path !== undefined && !e.path.startsWith('..')) treeBuild = await this.fromTree(pin, paths, e.path, overlayOf(e.spec));
            if (!treeBuild?.hit) base = await this.commitRoot(pin, paths);
            commit = pin;
            e.sourceRef.mode = 'commit';
          } catch (err) {
            treeBuild = undefined;
            // A shallow CI clone lacks older pins: validate the working tree's files for that path
            // instead (the closest thing available) and say so.
            const where = locOf(src, e);
            errors.push({ code: 'source', severity: 'warning', file: where.file, ...(where.line ? { line: where.line } : {}), message: `GitRepository ${sk} pins ${pin}: ${(err as Error).message}; validated from the working tree instead`, hint: err instanceof GitSourceError ? 'fetch full history (actions/checkout fetch-depth: 0) or validate with --working-tree' : 'check the pin', kustomization: e.key });
            e.sourceRef.mode = 'worktree';
          }
        } else {
          const reason = src ? await this.externalReason(src, sources.get(rootSourceKey)) : undefined;
          if (reason) Object.assign(e.sourceRef, { mode: 'external', reason });
          return; // external (FLX008, a notice), or undeclared (FLX003)
        }
      }
      if (e.path === undefined || e.path.startsWith('..')) return;
      if (treeBuild?.hit) {
        // Served by its git-object key: the commit has the folder (with a kustomization file), nothing was extracted.
        e.pathExists = true;
        if (Array.isArray((e.spec.postBuild as any)?.substituteFrom)) await afterDependencies(e);
        const built = treeBuild.hit.objects;
        e.objects = spanSync('render postBuild', () => this.postBuild(e, built, commit, errors, (kind, ns, name) => findObject(entries, kind, ns, name)));
        return;
      }
      const dir = join(base, e.path);
      const origin = e.definedIn ? { file: e.definedIn.file, ...(e.definedIn.line ? { line: e.definedIn.line } : {}) } : { file: clusterDir };
      // A spec.path through a symlink that leads out of the source is refused before anything is read.
      const away = new Root(base).escapes(dir);
      if (away) {
        errors.push({ code: 'outside', severity: 'error', ...origin, message: `Kustomization ${e.key || e.name}: spec.path "${e.path}" ${away}; it is not rendered`, hint: 'use a path inside the repository (no symlinked folder leading out of it)', kustomization: e.key || `${e.namespace}/${e.name}` });
        return;
      }
      e.pathExists = existsSync(dir) && statSync(dir).isDirectory();
      if (!e.pathExists) return;
      const overlay = overlayOf(e.spec);
      const res = await this.builder.build(base, dir, overlay, commit ?? 'worktree', origin);
      if (treeBuild?.key) this.storeTreeBuild(treeBuild.key, res);
      for (const i of res.issues) errors.push({ ...i, kustomization: e.key || `${e.namespace}/${e.name}` });
      if (base === this.repoRoot) for (const d of res.dirs ?? []) kustomizationDirs.add(d);
      if (Array.isArray((e.spec.postBuild as any)?.substituteFrom)) await afterDependencies(e);
      e.objects = spanSync('render postBuild', () => this.postBuild(e, res.objects, commit, errors, (kind, ns, name) => findObject(entries, kind, ns, name)));
    };

    let queue: Entry[] = [root];
    let pending: Entry[] = [];
    while (queue.length) {
      const batch = queue;
      queue = [];
      const ready = batch.filter((e) => e === root || this.sourceKnown(e, sources, rootSourceKey));
      pending.push(...batch.filter((e) => !ready.includes(e)));
      if (!this.options.workingTree) {
        const wanted = new Map<string, string[][]>();
        for (const e of ready) {
          const src = sources.get(`${e.sourceRef.kind}/${e.sourceRef.namespace}/${e.sourceRef.name}`);
          const pin = (src?.spec as any)?.ref?.commit;
          if (e === root || typeof pin !== 'string' || `${e.sourceRef.kind}/${e.sourceRef.namespace}/${e.sourceRef.name}` === rootSourceKey) continue;
          wanted.set(pin, [...(wanted.get(pin) ?? []), includedPaths((src!.spec as any)?.ignore)]);
        }
        this.prefetch(wanted);
      }
      running.clear();
      for (const e of ready) running.set(e.key, Promise.resolve().then(() => renderEntry(e)));
      await Promise.all(running.values());
      for (const e of ready) queue.push(...discover(e, e.objects));
      if (!queue.length && pending.length) {
        const nowReady = pending.filter((e) => this.sourceKnown(e, sources, rootSourceKey));
        pending = pending.filter((e) => !nowReady.includes(e));
        queue = nowReady;
      }
    }
    await span('render helm', () => this.renderHelmReleases(entries, sources, rootSourceKey, errors));
    // Sources of pinned objects served by git key: read in one process per commit, before checks ask where a field is.
    await Promise.all([...this.trees.values()].map(async (t) => (await t)?.fetchWanted(this.options.runner ?? exec)));
    // The cluster folder is validated too: a YAML file there (or next to a kustomization a build
    // read) that no build reads is not applied by Flux.
    const unapplied: RenderedCluster['unapplied'] = [];
    const clusterAbs = join(this.repoRoot, clusterDir);
    const unread = new Set<string>();
    // After an input error the builds that did not run read nothing: every file would look unapplied (noise, not findings).
    const failed = errors.some((x) => x.severity === 'error' && INPUT_ERROR_CODES.includes(x.code));
    const repoRoot = this.builder.allow(this.repoRoot);
    for (const [d, recursive] of failed ? [] : ([[clusterAbs, true], ...[...kustomizationDirs].filter((k) => !k.startsWith(`${clusterAbs}${sep}`) && k !== clusterAbs).map((k) => [k, false])] as [string, boolean][])) {
      const found = spanSync('render unapplied walk', () => this.builder.unread(repoRoot, d, recursive));
      for (const f of found.files) unread.add(f);
      for (const p of found.refused) errors.push({ severity: 'error', ...p });
    }
    for (const abs of [...unread].sort()) {
      const display = relative(this.repoRoot, abs).split(sep).join('/');
      const parsed = this.builder.file(abs, display);
      // Only syntax problems count here: a non-object YAML file (an audit log, a list) is not a manifest.
      for (const p of parsed.problems.filter((x) => !x.message.startsWith('document is not'))) errors.push({ code: /^duplicate key/.test(p.message) ? 'duplicate-key' : 'yaml', severity: 'error', file: p.file, ...(p.line ? { line: p.line } : {}), ...(p.column ? { column: p.column } : {}), message: p.message, hint: 'fix the YAML in this file' });
      const objects = parsed.docs
        .filter((d) => typeof d.object.apiVersion === 'string' && typeof d.object.kind === 'string' && !d.object.apiVersion.startsWith('platform.254carbon.com/'))
        .map((d, i): RenderedObject => {
          const ro: RenderedObject = { object: d.object, documentIndex: i, kustomization: '(not applied)', sourceFile: d.file, line: d.position.line, column: d.position.column };
          docs.set(ro, d);
          return ro;
        });
      if (objects.length) unapplied.push({ file: display, objects });
    }
    const inputs = [...this.builder.inputPaths].flatMap((abs) => {
      const rel = relative(this.repoRoot, abs);
      return rel.startsWith('..') || isAbsolute(rel) ? [] : [rel.split(sep).join('/')];
    });
    return {
      cluster,
      clusterDir,
      repoRoot: this.repoRoot,
      kustomizations: entries.map(({ raw: _raw, key: _key, ...k }) => k),
      unapplied,
      errors,
      inputs: [...new Set(inputs)].sort(),
    };
  }

  private helmRenderer?: HelmRenderer;

  get helmRuns(): number {
    return this.helmRenderer?.runs ?? 0;
  }

  /**
   * Every HelmRelease the cluster's Kustomizations apply, templated (helm.ts); the chart's objects
   * join the Kustomization that applies the HelmRelease, located at the HelmRelease. A release that
   * cannot be rendered offline is a notice on it; a chart that fails to template is an error.
   */
  private async renderHelmReleases(entries: Entry[], sources: Map<string, ManifestObject>, rootSourceKey: string, errors: RenderIssue[]): Promise<void> {
    const releases = entries.flatMap((e) => e.objects.filter((o) => isHelmRelease(o.object)).map((o) => ({ e, o })));
    if (!releases.length) return;
    this.helmRenderer ??= new HelmRenderer(this.toolsRoot, () => this.temp(), { cacheDir: this.options.charts?.cacheDir ?? join(this.toolsRoot, '.cache', 'charts'), fetch: this.options.charts?.fetch ?? false }, this.options.runner ?? exec);
    const helm = this.helmRenderer;
    const rootSource = sources.get(rootSourceKey);
    const ctx: HelmContext = {
      repoRoot: this.repoRoot,
      sources,
      find: (kind, ns, name) => findObject(entries, kind, ns, name),
      external: (src) => (src === rootSource ? Promise.resolve(undefined) : this.externalReason(src, rootSource)),
    };
    const results = await Promise.all(releases.map(({ e, o }) => helm.render(o.object, o.object.metadata?.namespace ?? e.namespace, ctx)));
    releases.forEach(({ e, o }, i) => {
      const r = results[i]!;
      const id = `${o.object.metadata?.namespace ?? e.namespace}/${o.object.metadata?.name}`;
      const at = { file: o.sourceFile ?? e.path, ...(o.line ? { line: o.line } : {}), kustomization: `${e.namespace}/${e.name}` };
      if (r.kind === 'not-rendered') errors.push({ code: 'helm', severity: 'notice', ...at, message: `HelmRelease ${id} is not rendered: ${r.reason}`, hint: r.hint });
      else if (r.kind === 'failed') errors.push({ code: 'helm-template', severity: 'error', ...at, message: `HelmRelease ${id}: ${r.message}`, hint: r.hint });
      else
        e.objects.push(
          ...r.objects.map((object, j): RenderedObject => {
            const ro: RenderedObject = { object, documentIndex: e.objects.length + j, kustomization: `${e.namespace}/${e.name}`, helmRelease: id, ...(o.sourceFile ? { sourceFile: o.sourceFile } : {}), ...(o.line ? { line: o.line } : {}), ...(o.column ? { column: o.column } : {}), ...(o.commit ? { commit: o.commit } : {}) };
            return ro;
          }),
        );
    });
  }

  private selfUrls?: Promise<Set<string>>;

  /** This repository's URLs: its `origin` remote, if any (the root GitRepository's URL is added per cluster). */
  private ownUrls(): Promise<Set<string>> {
    this.selfUrls ??= (this.options.runner ?? exec)('git', ['-C', this.repoRoot, 'config', '--get', 'remote.origin.url']).then(
      (r) => new Set(r.exitCode === 0 && r.stdout.trim() ? [repoUrl(r.stdout.trim())] : []),
      () => new Set<string>(),
    );
    return this.selfUrls;
  }

  /**
   * Why a declared source is not rendered from this repository, or undefined when it is this
   * repository: OCIRepository, Bucket, ExternalArtifact (and any non-Git kind) are artifacts built
   * elsewhere; a GitRepository is another repository when its URL is neither this clone's `origin`
   * nor the cluster's root GitRepository's (with neither known, every GitRepository is this one).
   */
  private async externalReason(src: ManifestObject, root: ManifestObject | undefined): Promise<string | undefined> {
    const spec = (src.spec ?? {}) as Record<string, unknown>;
    const where = typeof spec.url === 'string' ? ` ${spec.url}` : typeof spec.bucketName === 'string' ? ` (bucket ${spec.bucketName})` : '';
    if (src.kind !== 'GitRepository') return `its source is ${src.kind === 'ExternalArtifact' ? 'an ExternalArtifact (produced by another controller)' : `a${/^[AEIOU]/.test(String(src.kind)) ? 'n' : ''} ${String(src.kind)}${where}`}, not this repository`;
    if (typeof spec.url !== 'string') return undefined;
    const own = new Set(await this.ownUrls());
    const rootUrl = (root?.spec as Record<string, unknown> | undefined)?.url;
    if (typeof rootUrl === 'string') own.add(repoUrl(rootUrl));
    if (!own.size || own.has(repoUrl(spec.url))) return undefined;
    return `its source is another Git repository (${spec.url})`;
  }

  private sourceKnown(e: Entry, sources: Map<string, ManifestObject>, rootSourceKey: string | undefined): boolean {
    const sk = `${e.sourceRef.kind}/${e.sourceRef.namespace}/${e.sourceRef.name}`;
    return sk === rootSourceKey || sources.has(sk);
  }

  /**
   * Target namespace and the other transforms are applied by the build; here, as kustomize-controller
   * does after it: `postBuild` substitution (`substituteFrom` ConfigMaps and Secrets found in what
   * this cluster renders, in order, then `substitute` over them), `commonMetadata`, and the object's origin.
   */
  private postBuild(e: Entry, built: BuiltObject[], commit: string | undefined, errors: RenderIssue[], find: (kind: string, namespace: string, name: string) => ManifestObject | undefined): RenderedObject[] {
    const post = (e.spec.postBuild ?? {}) as { substitute?: Record<string, string>; substituteFrom?: { kind?: string; name?: string; optional?: boolean }[] };
    const from = Array.isArray(post.substituteFrom) ? post.substituteFrom : [];
    const ks = `${e.namespace}/${e.name}`;
    const vars: Record<string, string> = {};
    let unknownValues = false;
    for (const f of from) {
      const kind = String(f?.kind ?? '');
      const name = String(f?.name ?? '');
      const found = kind === 'ConfigMap' || kind === 'Secret' ? find(kind, e.namespace, name) : undefined;
      const values = found ? variablesOf(found) : undefined;
      if (values) {
        Object.assign(vars, values);
        continue;
      }
      if (!found && f?.optional === true) continue; // Flux skips a missing optional source
      unknownValues = true;
      const why = found ? 'is SOPS-encrypted (its values are never decrypted here)' : `is not in what this cluster renders (it is created in the cluster, or by a Kustomization that runs later)`;
      errors.push({
        code: 'substitution',
        severity: 'warning',
        file: e.definedIn?.file ?? e.path,
        ...(e.definedIn?.line ? { line: e.definedIn.line } : {}),
        message: `Kustomization ${ks}: postBuild.substituteFrom ${kind || '?'}/${name || '?'} ${why}; its variables are left unsubstituted`,
        hint: 'inline values under postBuild.substitute if they must be validated',
        kustomization: ks,
      });
    }
    for (const [k, v] of Object.entries(post.substitute ?? {})) vars[k] = String(v);
    const meta = (e.spec.commonMetadata ?? {}) as { labels?: Record<string, string>; annotations?: Record<string, string> };
    const common = (meta.labels && typeof meta.labels === 'object') || (meta.annotations && typeof meta.annotations === 'object');
    const substituting = Boolean(post.substitute || from.length);
    return built.map((b, i) => {
      let object = b.object;
      let raw = b.raw;
      if (common) {
        // A copy: builds are cached and shared by Kustomizations of the same path.
        const m = object.metadata ?? {};
        object = { ...object, metadata: { ...m, ...(meta.labels ? { labels: { ...(m.labels ?? {}), ...meta.labels } } : {}), ...(meta.annotations ? { annotations: { ...(m.annotations ?? {}), ...meta.annotations } } : {}) } };
        raw = undefined;
      }
      if (substituting && object.metadata?.annotations?.[SUBSTITUTE_DISABLED] !== 'disabled') {
        const text = stringify(object);
        const next = substitute(text, vars, unknownValues);
        if (next !== text) {
          try {
            object = parseYamlFast(next) as ManifestObject;
            raw = undefined;
          } catch (err) {
            errors.push({ code: 'substitution', severity: 'error', file: b.doc?.file ?? e.path, ...(b.doc ? { line: b.doc.position.line } : {}), message: `Kustomization ${ks}: substitution produced invalid YAML for ${object.kind}/${object.metadata?.name}: ${(err as Error).message.split('\n')[0]}`, kustomization: ks });
          }
        }
      }
      const ro: RenderedObject = {
        object,
        documentIndex: i,
        kustomization: ks,
        ...(b.doc ? { sourceFile: b.doc.file, line: b.doc.position.line, column: b.doc.position.column } : {}),
        ...(b.generatedFrom ? { generatedFrom: b.generatedFrom } : {}),
        ...(commit ? { commit } : {}),
      };
      if (b.doc) docs.set(ro, b.doc);
      if (raw !== undefined) raws.set(ro, raw);
      return ro;
    });
  }
}

/** A Git URL reduced to host/path: `ssh://git@github.com/o/r.git`, `git@github.com:o/r` and `https://github.com/o/r` are one repository. */
export function repoUrl(url: string): string {
  return url
    .trim()
    .toLowerCase()
    .replace(/^[a-z+]+:\/\//, '')
    .replace(/^[^@/]+@/, '')
    .replace(/^([^/:]+):(?!\d+\/)/, '$1/')
    .replace(/^([^/:]+):\d+\//, '$1/')
    .replace(/\.git\/?$/, '')
    .replace(/\/+$/, '');
}

/** A ConfigMap or Secret (namespace/name) among the objects rendered so far. */
function findObject(entries: Entry[], kind: string, namespace: string, name: string): ManifestObject | undefined {
  for (const e of entries) for (const o of e.objects) if (o.object.kind === kind && o.object.metadata?.name === name && (o.object.metadata?.namespace ?? e.namespace) === namespace) return o.object;
  return undefined;
}

/** The variables a ConfigMap or Secret offers to substitution; undefined for a SOPS-encrypted Secret. */
function variablesOf(o: ManifestObject): Record<string, string> | undefined {
  if (isSopsEncrypted(o)) return undefined;
  const out: Record<string, string> = {};
  const data = (o.data ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(data)) out[k] = o.kind === 'Secret' ? Buffer.from(String(v), 'base64').toString('utf8') : String(v);
  if (o.kind === 'Secret') for (const [k, v] of Object.entries((o.stringData ?? {}) as Record<string, unknown>)) out[k] = String(v);
  return out;
}

function locOf(_src: ManifestObject, e: Entry): { file: string; line?: number } {
  return { file: e.definedIn?.file ?? e.path, ...(e.definedIn?.line ? { line: e.definedIn.line } : {}) };
}

/** `./clusters/x/` → `clusters/x`; '' for the root; undefined when the path leaves the source. */
export function normalisePath(p: string): string | undefined {
  if (isAbsolute(p) && !p.startsWith('/')) return undefined;
  const n = posix.normalize(`/${p.replace(/\\/g, '/')}`).replace(/^\/+/, '').replace(/\/+$/, '');
  const raw = posix.normalize(p.replace(/\\/g, '/').replace(/^\/+/, ''));
  if (raw === '..' || raw.startsWith('../')) return undefined;
  return n === '.' ? '' : n;
}

/** Concurrent kustomize builds: one per core the process may use (at least 2, at most 8, each with its own limits). */
export function defaultParallelism(): number {
  return Math.min(8, Math.max(2, availableParallelism()));
}

export { kustomizationFile };
