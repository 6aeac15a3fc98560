import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { stringify } from 'yaml';
import { exec, runConfined, spanSync, toolPath, type ConfinedResult, type Runner } from '@carbon/toolchain';
import { checkFile, isInside, LIMITS, Root, type FileCheck, type GuardProblem } from './guard.ts';
import type { RenderIssue } from './types.ts';
import { InputHasher, type RenderCache } from './cache.ts';
import { lazyObject, scanDocuments, splitDocuments } from './lazy.ts';
import { parseYamlFile, type ManifestObject, type ParsedFile, type Position } from './yaml.ts';

/** Where a source document is, with a (lazy) way to locate any field in it. */
/** `fixed`: every field is located at `position` (an object a generator entry made). */
export type Located = { file: string; position: Position; locate: (path: readonly (string | number)[]) => Position | undefined; kind?: string; name?: string; namespace?: string; fixed?: true };

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

export function kustomizationFile(dir: string): string | undefined {
  for (const f of KUSTOMIZATION_FILES) {
    const p = join(dir, f);
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  return undefined;
}

/** One object of a build with the source document it was matched to (when found). */
export type BuiltObject = { object: ManifestObject; doc?: Located; generatedFrom?: string; /** The document as kustomize printed it (kubeconform reads it as is). */ raw?: string };
export type BuildResult = { objects: BuiltObject[]; issues: RenderIssue[]; /** Folders whose kustomization file the build read. */ dirs?: string[] };

/** What kustomize-controller adds on top of the folder's own kustomization (spec fields of the Flux Kustomization). */
export type Overlay = {
  targetNamespace?: string;
  namePrefix?: string;
  nameSuffix?: string;
  patches?: unknown[];
  images?: unknown[];
  components?: string[];
};

export function overlayOf(spec: Record<string, any>): Overlay | undefined {
  const o: Overlay = {};
  if (typeof spec.targetNamespace === 'string') o.targetNamespace = spec.targetNamespace;
  if (typeof spec.namePrefix === 'string') o.namePrefix = spec.namePrefix;
  if (typeof spec.nameSuffix === 'string') o.nameSuffix = spec.nameSuffix;
  if (Array.isArray(spec.patches) && spec.patches.length) o.patches = spec.patches;
  if (Array.isArray(spec.images) && spec.images.length) o.images = spec.images;
  if (Array.isArray(spec.components) && spec.components.length) o.components = spec.components;
  return Object.keys(o).length ? o : undefined;
}

/** A counting semaphore: at most `n` tool processes at once. */
export function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** Where the Flux Kustomization that asked for a build is written (for located errors). */
export type Origin = { file: string; line?: number };
/** A configMapGenerator/secretGenerator entry: where the objects it makes are located (they have no source document). */
type Generator = { kind: 'ConfigMap' | 'Secret'; name: string; namespace?: string; doc: Located };
type Walk = { root: Root; issues: RenderIssue[]; bytes: number; documents: number; generators: Generator[] };

const guardIssue = (p: GuardProblem): RenderIssue => ({ code: p.code, severity: 'error', file: p.file, ...(p.line ? { line: p.line } : {}), ...(p.column ? { column: p.column } : {}), message: p.message, hint: p.hint });

type Reference = { at: (string | number)[]; path: string; what: string; kind: 'kustomization' | 'file' | 'data' | 'folder' };

/**
 * Every path a kustomization makes kustomize read, with where it is written (`at`). `kind`:
 * 'kustomization' (a folder to follow, or a resource file), 'file' (YAML read as is), 'data'
 * (generator input, any bytes), 'folder' (helm chart home).
 */
export function kustomizationReferences(spec: Record<string, unknown>): Reference[] {
  const out: Reference[] = [];
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const add = (at: (string | number)[], v: unknown, what: string, kind: Reference['kind']) => {
    // Inline content (a patch or transformer written in place) is not a path.
    if (typeof v === 'string' && v.trim() && !v.includes('\n')) out.push({ at, path: v.trim(), what, kind });
  };
  for (const key of ['resources', 'bases', 'components'] as const) list(spec[key]).forEach((v, i) => add([key, i], v, `${key} entry`, 'kustomization'));
  for (const key of ['generators', 'transformers', 'validators'] as const) list(spec[key]).forEach((v, i) => add([key, i], v, `${key} entry`, 'kustomization'));
  list(spec.patches).forEach((p: any, i) => add(['patches', i, 'path'], p?.path, 'patch path', 'file'));
  list(spec.patchesStrategicMerge).forEach((v, i) => add(['patchesStrategicMerge', i], v, 'patchesStrategicMerge entry', 'file'));
  list(spec.patchesJson6902).forEach((p: any, i) => add(['patchesJson6902', i, 'path'], p?.path, 'patchesJson6902 path', 'file'));
  list(spec.replacements).forEach((p: any, i) => add(['replacements', i, 'path'], p?.path, 'replacements path', 'file'));
  list(spec.crds).forEach((v, i) => add(['crds', i], v, 'crds entry', 'file'));
  list(spec.configurations).forEach((v, i) => add(['configurations', i], v, 'configurations entry', 'file'));
  add(['openapi', 'path'], (spec.openapi as any)?.path, 'openapi path', 'file');
  for (const key of ['configMapGenerator', 'secretGenerator'] as const) {
    list(spec[key]).forEach((g: any, i) => {
      list(g?.files).forEach((f, j) => add([key, i, 'files', j], typeof f === 'string' && f.includes('=') ? f.slice(f.indexOf('=') + 1) : f, `${key} file`, 'data'));
      list(g?.envs).forEach((f, j) => add([key, i, 'envs', j], f, `${key} env file`, 'data'));
      add([key, i, 'env'], g?.env, `${key} env file`, 'data');
    });
  }
  const globals = spec.helmGlobals as any;
  add(['helmGlobals', 'chartHome'], globals?.chartHome, 'helmGlobals.chartHome', 'folder');
  add(['helmGlobals', 'configHome'], globals?.configHome, 'helmGlobals.configHome', 'folder');
  list(spec.helmCharts).forEach((c: any, i) => {
    add(['helmCharts', i, 'repo'], c?.repo, 'helmCharts repo', 'folder');
    add(['helmCharts', i, 'valuesFile'], c?.valuesFile, 'helmCharts valuesFile', 'file');
    list(c?.additionalValuesFiles).forEach((f, j) => add(['helmCharts', i, 'additionalValuesFiles', j], f, 'helmCharts additionalValuesFiles entry', 'file'));
  });
  return out;
}

const HEADER = /^# Generated by `platform generate` from (.+?)\. Do not edit/;

type IndexedFile = ParsedFile & { generatedFrom?: string };
type ScannedFile = { docs: Located[]; generatedFrom?: string };

/**
 * Builds Flux Kustomization paths the way kustomize-controller does, with per-run caches:
 * each source file is parsed once, each (source, path, overlay) built once, and at most
 * `parallelism` kustomize processes run at a time.
 */
export class Builder {
  private readonly files = new Map<string, IndexedFile>();
  private readonly scans = new Map<string, ScannedFile>();
  /** Limit checks per file (a base read by two overlays is checked once). */
  private readonly checks = new Map<string, FileCheck>();
  /** Every file a build read (kustomization files, resources, patches, plain files): the rest of a cluster folder is not applied. */
  readonly readFiles = new Set<string>();
  private readonly builds = new Map<string, Promise<BuildResult>>();
  private readonly limit: <T>(fn: () => Promise<T>) => Promise<T>;
  readonly kustomize: string;
  kustomizeRuns = 0;
  private readonly hasher = new InputHasher();

  /** Every folder and file a working-tree build's key was made from (absolute paths). */
  get inputPaths(): ReadonlySet<string> {
    return this.hasher.visited;
  }

  constructor(
    toolsRoot: string,
    private readonly tempDir: () => string,
    parallelism = 2,
    private readonly runner: Runner = exec,
    /** Content-addressed builds shared with other sessions (base and head, validate and diff) and runs. */
    private readonly cache?: RenderCache,
  ) {
    this.kustomize = toolPath(toolsRoot, 'kustomize');
    this.limit = limiter(parallelism);
  }

  /** Parses a file once per run; `display` is the repo-relative name used in messages. */
  file(abs: string, display: string): IndexedFile {
    const cached = this.files.get(abs);
    if (cached) return cached;
    let text: string;
    try {
      this.assertReadable(abs);
      text = readFileSync(abs, 'utf8');
    } catch (e) {
      const r: IndexedFile = { docs: [], problems: [{ file: display, message: `cannot read: ${(e as Error).message}` }] };
      this.files.set(abs, r);
      return r;
    }
    const parsed: IndexedFile = parseYamlFile(text, display);
    const m = HEADER.exec(text);
    if (m) parsed.generatedFrom = m[1];
    this.files.set(abs, parsed);
    return parsed;
  }

  /** Roots files may be read from (the repository, extracted commits, this run's temp folders). */
  private readonly roots: Root[] = [];

  /** Allows reads below `dir` (realpath-checked). */
  allow(dir: string): Root {
    const have = this.roots.find((r) => r.dir === dir);
    if (have) return have;
    const r = new Root(dir);
    this.roots.push(r);
    return r;
  }

  /** The last line of defence: no file outside an allowed root is ever opened, whatever asked for it. */
  private assertReadable(abs: string): void {
    if (!this.roots.some((r) => !r.escapes(abs))) throw new Error('refused: the path resolves outside the repository');
  }

  /**
   * YAML files under `dir` (absolute) that no build read, within the file limits; symlinks that
   * lead outside `root` and over-limit files are returned as `refused` (never read).
   */
  unread(root: Root, dir: string, recursive = true): { files: string[]; refused: GuardProblem[] } {
    const files: string[] = [];
    const refused: GuardProblem[] = [];
    const walk = (d: string) => {
      if (!existsSync(d)) return;
      for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const p = join(d, e.name);
        if (e.isSymbolicLink()) {
          const why = root.escapes(p);
          if (why) {
            refused.push({ code: 'outside', file: root.rel(p), message: `${root.rel(p)} ${why}: it is never read`, hint: 'replace the symlink with the file itself, or remove it' });
            continue;
          }
        }
        if (e.isDirectory()) {
          if (recursive && !e.name.startsWith('.')) walk(p);
        } else if (/\.ya?ml$/.test(e.name) && !this.readFiles.has(p)) {
          const c = checkFile(p, root.rel(p));
          if (c.problem) refused.push(c.problem);
          else files.push(p);
        }
      }
    };
    walk(dir);
    return { files, refused };
  }

  /**
   * The documents of a file by kind/name/line, from a line scan; the syntax tree is built only
   * when a finding asks for a field position (or when the scan cannot read the file's style).
   */
  scan(abs: string, display: string): ScannedFile {
    const cached = this.scans.get(abs);
    if (cached) return cached;
    let text = '';
    try {
      this.assertReadable(abs);
      text = readFileSync(abs, 'utf8');
    } catch {
      text = '';
    }
    const m = HEADER.exec(text);
    const { docs, complete } = scanDocuments(text);
    let out: ScannedFile;
    if (!complete) {
      const full = this.file(abs, display);
      out = { docs: full.docs.map((d) => ({ file: d.file, position: d.position, locate: d.locate, ...meta(d.object) })) };
    } else {
      out = {
        docs: docs.map((d) => ({
          file: display,
          position: d.position,
          ...(d.kind ? { kind: d.kind } : {}),
          ...(d.name ? { name: d.name } : {}),
          ...(d.namespace ? { namespace: d.namespace } : {}),
          locate: (path) => this.file(abs, display).docs.find((x) => x.object.kind === d.kind && x.object.metadata?.name === d.name && (x.object.metadata?.namespace ?? undefined) === d.namespace)?.locate(path),
        })),
      };
    }
    if (m) out.generatedFrom = m[1];
    this.scans.set(abs, out);
    return out;
  }

  /**
   * Builds `dir` (absolute, inside `root`). `display(abs)` names files for messages (repo-relative).
   */
  build(root: string, dir: string, overlay: Overlay | undefined, cacheKey: string, origin?: Origin): Promise<BuildResult> {
    const key = `${cacheKey}\0${dir}\0${overlay ? JSON.stringify(overlay) : ''}`;
    let p = this.builds.get(key);
    if (!p) {
      p = this.doBuild(root, dir, overlay, origin);
      this.builds.set(key, p);
    }
    return p;
  }

  private rel(root: string, abs: string): string {
    return relative(root, abs).split(sep).join('/') || '.';
  }

  private async doBuild(rootDir: string, dir: string, overlay: Overlay | undefined, origin: Origin | undefined): Promise<BuildResult> {
    const root = this.allow(rootDir);
    const kfile = kustomizationFile(dir);
    const walk: Walk = { root, issues: [], bytes: 0, documents: 0, generators: [] };
    const { issues } = walk;
    const files: string[] = [];
    const problemsOf = (abs: string) => {
      const f = this.file(abs, this.rel(rootDir, abs));
      for (const p of f.problems) {
        issues.push({ code: /^duplicate key/.test(p.message) ? 'duplicate-key' : p.message.startsWith('cannot read') ? 'read' : p.message.startsWith('document is not') ? 'not-an-object' : 'yaml', severity: 'error', file: p.file, ...(p.line ? { line: p.line } : {}), ...(p.column ? { column: p.column } : {}), message: p.message, hint: 'fix the YAML in this file' });
      }
      return f;
    };
    const away = root.escapes(dir);
    if (away) {
      issues.push(guardIssue({ code: 'outside', file: origin?.file ?? root.rel(dir), ...(origin?.line ? { line: origin.line } : {}), message: `${root.rel(dir)} ${away}: it is not rendered`, hint: 'use a path inside the repository' }));
      return { objects: [], issues };
    }
    // Components a Flux Kustomization adds (spec.components) are read like any other kustomization.
    const components: string[] = [];
    const seen = new Set<string>();
    for (const c of overlay?.components ?? []) {
      const r = root.resolveRef(dir, c, origin ?? { file: root.rel(dir) }, 'spec.components entry');
      if ('problem' in r) issues.push(guardIssue(r.problem));
      else {
        components.push(r.abs);
        this.collect(walk, r.abs, seen, () => undefined);
      }
    }
    if (issues.length) return { objects: [], issues };

    if (kfile) {
      spanSync('render walk + guard', () => this.collect(walk, dir, seen, (abs) => files.push(abs)));
      if (issues.length) return { objects: [], issues };
      if (!overlay) return { ...(await this.runKustomize(walk, dir, kfile, files, problemsOf)), dirs: [...seen] };
      const target = this.wrap(dir, [dir], overlay, components);
      return { ...(await this.runKustomize(walk, target, kfile, files, problemsOf, dir, overlay)), dirs: [...seen] };
    }

    // No kustomization file: kustomize-controller generates one listing every .yaml/.yml file under
    // the folder (recursively) and every sub-folder that has its own kustomization file.
    const subdirs: string[] = [];
    const walkDir = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const p = join(d, e.name);
        if (e.isSymbolicLink()) {
          const why = root.escapes(p);
          if (why) {
            issues.push(guardIssue({ code: 'outside', file: root.rel(p), message: `${root.rel(p)} ${why}: it is never read`, hint: 'replace the symlink with the file itself, or remove it' }));
            continue;
          }
          // Inside the repository: a linked file is read like a file; a linked folder is not followed (nor by the controller).
          if (/\.ya?ml$/.test(e.name) && statSync(p).isFile()) files.push(p);
          continue;
        }
        if (e.isDirectory()) {
          if (e.name.startsWith('.')) continue;
          if (kustomizationFile(p)) subdirs.push(p);
          else walkDir(p);
        } else if (/\.ya?ml$/.test(e.name)) files.push(p);
      }
    };
    walkDir(dir);
    for (const f of files) this.bounded(walk, f, true);
    if (issues.length) return { objects: [], issues };
    for (const f of files) this.readFiles.add(f);
    const parsed = files.map((f) => ({ f: problemsOf(f), abs: f }));
    for (const { f } of parsed) {
      for (const d of f.docs) {
        if (typeof d.object.apiVersion !== 'string' || typeof d.object.kind !== 'string') {
          issues.push({ code: 'not-an-object', severity: 'error', file: d.file, line: d.position.line, column: d.position.column, message: 'document has no apiVersion/kind: kustomize-controller cannot decode it as a Kubernetes object', hint: 'add apiVersion and kind, or move the file out of the Flux path' });
        }
      }
    }
    if (issues.length) return { objects: [], issues };
    if (overlay || subdirs.length) {
      const sub: string[] = [];
      for (const s of subdirs) this.collect(walk, s, seen, (abs) => sub.push(abs));
      if (issues.length) return { objects: [], issues };
      const target = this.wrap(dir, [...files, ...subdirs], overlay ?? {}, components);
      return this.runKustomize(walk, target, undefined, [...files, ...sub], problemsOf, dir, overlay);
    }
    // Plain files and nothing to transform: the build is the files themselves, parsed once.
    return {
      objects: parsed.flatMap(({ f }) => f.docs.map((d) => ({ object: d.object, doc: d, ...(f.generatedFrom ? { generatedFrom: f.generatedFrom } : {}) }))),
      issues,
    };
  }

  /**
   * The kustomization kustomize-controller generates for a Flux Kustomization, written in a
   * temporary folder: `resources` (folders with their own kustomization, or plain files of `dir`)
   * and `components` (checked and resolved against the Flux path by the caller) plus the Flux
   * Kustomization's own transforms. kustomize runs with its default load restrictor (files only
   * from the kustomization's folder and below), so plain files are copied next to the wrapper;
   * folders are listed relative to it (kustomize refuses absolute folder paths). `commonMetadata`
   * is applied after the build (render.ts), to objects' metadata only, as the controller does.
   */
  private wrap(dir: string, resources: string[], o: Overlay, components: string[]): string {
    const d = this.tempDir();
    const listed = resources.map((r) => {
      // kustomize refuses an absolute folder as a resource ("new root cannot be absolute"): relative to the wrapper.
      if (r === dir || statSync(r).isDirectory()) return relative(d, r).split(sep).join('/');
      const rel = join('files', relative(dir, r));
      mkdirSync(dirname(join(d, rel)), { recursive: true });
      copyFileSync(r, join(d, rel));
      return rel.split(sep).join('/');
    });
    const k: Record<string, unknown> = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: listed };
    if (o.targetNamespace) k.namespace = o.targetNamespace;
    if (o.namePrefix) k.namePrefix = o.namePrefix;
    if (o.nameSuffix) k.nameSuffix = o.nameSuffix;
    if (o.patches) k.patches = o.patches;
    if (o.images) k.images = o.images;
    if (components.length) k.components = components.map((c) => relative(d, c).split(sep).join('/'));
    writeFileSync(join(d, 'kustomization.yaml'), stringify(k));
    return d;
  }

  /** Checks one file kustomize will read against LIMITS, and the build's running totals. */
  private bounded(walk: Walk, abs: string, yaml: boolean): boolean {
    const display = walk.root.rel(abs);
    const key = `${abs}\0${yaml}`;
    const c = this.checks.get(key) ?? checkFile(abs, display, yaml);
    this.checks.set(key, c);
    walk.bytes += c.bytes;
    walk.documents += c.documents;
    let problem = c.problem;
    if (!problem && walk.bytes > LIMITS.buildBytes) problem = { code: 'limit', file: display, message: `the files of this build exceed ${LIMITS.buildBytes / 1024 / 1024} MiB together`, hint: 'split the kustomization' };
    if (!problem && walk.documents > LIMITS.documentsPerBuild) problem = { code: 'limit', file: display, message: `the files of this build hold more than ${LIMITS.documentsPerBuild} YAML documents together`, hint: 'split the kustomization' };
    if (problem) {
      // One limit error per build is the whole story; more would be noise. Each badly encoded file is its own error.
      if (problem.code === 'encoding' ? !walk.issues.some((i) => i.file === problem.file && i.code === 'encoding') : !walk.issues.some((i) => i.code === 'limit')) walk.issues.push(guardIssue(problem));
      return false;
    }
    return true;
  }

  /**
   * Follows a kustomization to every file it makes kustomize read (resources, bases, components,
   * patches, generator inputs, replacements, CRDs, configurations, OpenAPI, helm values, generators
   * and transformers) and refuses, located at the reference, anything remote, absolute or outside
   * the root (after symlinks), and files over the limits. Nothing refused is read.
   */
  private collect(walk: Walk, dir: string, seen: Set<string>, addFile: (abs: string) => void): void {
    if (seen.has(dir)) return;
    seen.add(dir);
    const { root, issues } = walk;
    const kfile = kustomizationFile(dir);
    if (!kfile) return;
    const kdisplay = root.rel(kfile);
    const away = root.escapes(kfile);
    if (away) {
      issues.push(guardIssue({ code: 'outside', file: kdisplay, message: `${kdisplay} ${away}: it is not read`, hint: 'replace the symlink with the file itself' }));
      return;
    }
    if (!this.bounded(walk, kfile, true)) return;
    const k = this.file(kfile, kdisplay);
    if (k.problems.length) {
      for (const p of k.problems) issues.push({ code: /^duplicate key/.test(p.message) ? 'duplicate-key' : 'yaml', severity: 'error', file: p.file, ...(p.line ? { line: p.line } : {}), ...(p.column ? { column: p.column } : {}), message: p.message, hint: 'fix the kustomization file' });
      return;
    }
    this.readFiles.add(kfile);
    const doc = k.docs[0];
    this.generatorsOf(walk, doc, kdisplay);
    const realDir = realpathSync(dir);
    for (const ref of kustomizationReferences((doc?.object ?? {}) as Record<string, unknown>)) {
      const line = doc?.locate(ref.at)?.line;
      const r = root.resolveRef(dir, ref.path, { file: kdisplay, ...(line ? { line } : {}) }, ref.what);
      if ('problem' in r) {
        issues.push(guardIssue(r.problem));
        continue;
      }
      if (!existsSync(r.abs)) continue; // kustomize reports it, with its own wording
      if (statSync(r.abs).isDirectory()) {
        if (ref.kind === 'kustomization') this.collect(walk, r.abs, seen, addFile);
        continue;
      }
      // kustomize's default load restrictor reads a file only from the kustomization's folder and below.
      if (!isInside(realDir, realpathSync(dirname(r.abs)))) {
        issues.push(guardIssue({ code: 'outside', file: kdisplay, ...(line ? { line } : {}), message: `${ref.what} "${ref.path}" is outside the folder of its kustomization: kustomize reads files only from that folder and below`, hint: 'move the file under the kustomization\'s folder, or give its folder a kustomization.yaml and list the folder' }));
        continue;
      }
      this.readFiles.add(r.abs);
      if (!this.bounded(walk, r.abs, ref.kind !== 'data')) continue;
      if (ref.kind === 'kustomization' && /\.ya?ml$/.test(r.abs)) addFile(r.abs);
    }
  }

  /** Records the generator entries of a kustomization, each located at its entry (`- name: …` line). */
  private generatorsOf(walk: Walk, doc: ParsedFile['docs'][number] | undefined, file: string): void {
    if (!doc) return;
    for (const [key, kind] of [['configMapGenerator', 'ConfigMap'], ['secretGenerator', 'Secret']] as const) {
      const list = (doc.object as Record<string, unknown>)[key];
      if (!Array.isArray(list)) continue;
      list.forEach((g: any, i) => {
        if (typeof g?.name !== 'string' || !g.name) return;
        const position = doc.locate([key, i]) ?? doc.position;
        walk.generators.push({ kind, name: g.name, ...(typeof g.namespace === 'string' ? { namespace: g.namespace } : {}), doc: { file, position, locate: () => position, kind, name: g.name, fixed: true } });
      });
    }
  }

  /** `dir`: the Flux path built (where a failure is located when the folder has no kustomization file). */
  private async runKustomize(walk: Walk, target: string, kfile: string | undefined, files: string[], problemsOf: (abs: string) => ParsedFile, dir = target, overlay?: Overlay): Promise<BuildResult> {
    const { root, issues } = walk;
    // Default load restrictor (LoadRestrictionsRootOnly), no plugins, no helm, no network, a memory
    // ceiling, and a time limit that grows with the input (60 s + 4 s per MiB read, at most 180 s:
    // the largest build here reads 3.5 MiB and takes 2-10 s on a busy 2-core machine).
    const args = ['build', target];
    const timeoutMs = Math.min(180_000, 60_000 + Math.ceil(walk.bytes / (1024 * 1024)) * 4_000);
    const produce = () =>
      this.limit(() => {
        this.kustomizeRuns++;
        return runConfined(this.kustomize, args, { timeoutMs }, this.runner);
      });
    // Only what passed the walk above is ever hashed or built.
    const cacheKey = this.cache ? spanSync('render cache key', () => this.hasher.buildKey(root.dir, target, args, this.cache!.toolId(this.kustomize))) : undefined;
    const res: ConfinedResult = this.cache ? await this.cache.run(cacheKey, produce) : await produce();
    const where = kfile ? root.rel(kfile) : root.rel(dir);
    if (res.limit) {
      const what = res.limit === 'memory' ? 'ran out of its memory ceiling' : res.limit === 'time' ? `did not finish within ${timeoutMs / 1000} s` : 'printed more output than the limit';
      issues.push(guardIssue({ code: 'limit', file: where, message: `kustomize ${what} building ${where}; it was stopped`, hint: 'an input this build reads is too large or expands too much (YAML anchors, generators); split or simplify it' }));
      return { objects: [], issues };
    }
    if (res.exitCode !== 0) {
      // Name the exact file and line when the cause is YAML kustomize read; otherwise its message.
      for (const f of files) problemsOf(f);
      if (issues.length) return { objects: [], issues };
      issues.push({
        code: 'kustomize',
        severity: 'error',
        file: where,
        message: `kustomize build failed: ${firstErrorLine(res.stderr || res.stdout)}`,
        hint:
          target === dir
            ? 'run `.tools/bin/kustomize build <dir>` to reproduce'
            : `the build of ${root.rel(dir)} with the Flux Kustomization's own spec (targetNamespace, namePrefix/nameSuffix, patches, images, components) on top failed: check those fields against the folder`,
      });
      return { objects: [], issues };
    }
    return spanSync('render match objects to sources', () => this.match(res.stdout, files, walk, overlay));
  }

  private match(stdout: string, files: string[], walk: Walk, overlay: Overlay | undefined): BuildResult {
    const { root, issues } = walk;
    const byKey = new Map<string, { doc: Located; generatedFrom?: string }[]>();
    for (const f of files) {
      const scanned = this.scan(f, root.rel(f));
      for (const d of scanned.docs) {
        const key = `${d.kind}/${d.name}`;
        byKey.set(key, [...(byKey.get(key) ?? []), { doc: d, ...(scanned.generatedFrom ? { generatedFrom: scanned.generatedFrom } : {}) }]);
      }
    }
    const objects = splitDocuments(stdout).map((raw): BuiltObject => {
      const object = lazyObject(raw);
      // The Flux Kustomization's namePrefix/nameSuffix renamed it: its source document has the name without them.
      const cands = byKey.get(`${object.kind}/${object.metadata?.name}`) ?? byKey.get(`${object.kind}/${unaffixed(String(object.metadata?.name ?? ''), overlay)}`) ?? [];
      const hit = cands.find((c) => c.doc.namespace === object.metadata?.namespace) ?? cands[cands.length - 1] ?? generated(walk.generators, object);
      return { object, raw, ...(hit ? { doc: hit.doc } : {}), ...(hit?.generatedFrom ? { generatedFrom: hit.generatedFrom } : {}) };
    });
    return { objects, issues };
  }
}

/**
 * The generator entry that made a ConfigMap or Secret with no source document: same kind, the
 * entry's name in the object's (kustomize appends `-<10-character hash>`; name prefixes and
 * suffixes may surround it), same namespace when the entry sets one. The exact name wins, then the longest.
 */
function generated(generators: Generator[], object: ManifestObject): { doc: Located; generatedFrom?: string } | undefined {
  if (object.apiVersion !== 'v1' || (object.kind !== 'ConfigMap' && object.kind !== 'Secret')) return undefined;
  const name = String(object.metadata?.name ?? '');
  const base = name.replace(/-[a-z0-9]{10}$/, '');
  let best: Generator | undefined;
  for (const g of generators) {
    if (g.kind !== object.kind || (g.namespace && object.metadata?.namespace && g.namespace !== object.metadata.namespace)) continue;
    if (base === g.name || name === g.name) return { doc: g.doc };
    if (base.includes(g.name) && (!best || g.name.length > best.name.length)) best = g;
  }
  return best ? { doc: best.doc } : undefined;
}

function unaffixed(name: string, o: Overlay | undefined): string {
  let n = name;
  if (o?.namePrefix && n.startsWith(o.namePrefix)) n = n.slice(o.namePrefix.length);
  if (o?.nameSuffix && n.endsWith(o.nameSuffix)) n = n.slice(0, n.length - o.nameSuffix.length);
  return n;
}

const meta = (o: ManifestObject) => ({
  ...(o.kind ? { kind: o.kind } : {}),
  ...(o.metadata?.name ? { name: o.metadata.name } : {}),
  ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
});

/** kustomize prints `Error: <what>` possibly followed by a stack of context; keep the message, never file content. */
export function firstErrorLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const err = lines.find((l) => l.startsWith('Error:')) ?? lines[0] ?? 'no output';
  const rest = lines.slice(lines.indexOf(err) + 1).filter((l) => /^line \d+:/.test(l)).slice(0, 3);
  return [err.replace(/^Error:\s*/, ''), ...rest].join('; ').slice(0, 500);
}
