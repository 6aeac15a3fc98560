import { existsSync, readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { parseManifestStream } from './lazy.ts';
import { walkTree } from './walk.ts';
import type { ManifestObject } from './yaml.ts';

/**
 * How a cluster folder was recognised:
 *  - `clusters-folder`: `clusters/<name>/` (the `flux bootstrap` convention);
 *  - `sync`: the path of a Flux Kustomization that applies itself (bootstrap's `gotk-sync.yaml`:
 *    GitRepository + Kustomization whose path holds the file they are declared in);
 *  - `flux-instance`: `spec.sync.path` of a flux-operator FluxInstance;
 *  - `unreached`: a folder of Flux Kustomizations that no other Kustomization's path reaches (its sync is
 *    declared outside the repository, e.g. by `flux bootstrap` flags or the operator);
 *  - `path`: the folder given with `--path` itself (it holds manifests but no sync was found).
 */
export type ClusterOrigin = 'clusters-folder' | 'sync' | 'flux-instance' | 'unreached' | 'path';

export type DiscoveredCluster = {
  name: string;
  /** Folder relative to the repository root ('.' for the root itself), '/'-separated. */
  dir: string;
  how: ClusterOrigin;
  /** Where the sync that starts it is declared (repo-relative file), when one was found. */
  declaredIn?: string;
};

export type ClusterDiscovery = { repoRoot: string; clusters: DiscoveredCluster[] };

/** Bounds for the scan of a repository (hostile input cannot make discovery unbounded). */
const MAX_FILES = 50_000;
const MAX_FILE_BYTES = 2 * 1024 * 1024;
const SKIP_DIRS = new Set(['node_modules', 'vendor']);
const FLUX_KIND = /^kind:[ \t]*["']?(?:Kustomization|FluxInstance)["']?[ \t]*(?:#.*)?$/m;

/** The enclosing git work tree of `dir` (a folder holding `.git`, file or folder), or undefined. */
export function findGitRoot(dir: string): string | undefined {
  for (let d = resolve(dir); ; ) {
    if (existsSync(join(d, '.git'))) return d;
    const up = dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

const toPosix = (p: string): string => p.split(sep).join('/');

/** `./a/b/` → `a/b`, '' for the root; undefined when it leaves the source. */
function cleanPath(p: unknown): string | undefined {
  if (typeof p !== 'string') return undefined;
  const parts: string[] = [];
  for (const seg of p.replace(/\\/g, '/').split('/')) {
    if (!seg || seg === '.') continue;
    if (seg === '..') {
      if (!parts.length) return undefined;
      parts.pop();
    } else parts.push(seg);
  }
  return parts.join('/');
}

const under = (child: string, parent: string): boolean => parent === '' || child === parent || child.startsWith(`${parent}/`);

type FluxKs = { file: string; dir: string; path: string; sourceKind: string };

/** Every YAML file below `root` that mentions a Flux Kustomization or a FluxInstance, parsed. */
function scanFlux(root: string): { kustomizations: FluxKs[]; instances: { file: string; path: string }[] } {
  const kustomizations: FluxKs[] = [];
  const instances: { file: string; path: string }[] = [];
  const yaml = (e: Dirent) => e.isFile() && /\.ya?ml$/.test(e.name);
  walkTree(root, { maxEntries: MAX_FILES, counts: yaml, skip: (name) => name.startsWith('.') || SKIP_DIRS.has(name) }, (abs, e, d) => {
    if (!yaml(e)) return;
    let text: string;
    try {
      if (statSync(abs).size > MAX_FILE_BYTES) return;
      text = readFileSync(abs, 'utf8');
    } catch {
      return;
    }
    // Only files with a top-level `kind: Kustomization` / `kind: FluxInstance` are parsed (a CRD
    // naming the kind under spec.names is not one).
    if (!FLUX_KIND.test(text)) return;
    const file = toPosix(relative(root, abs));
    let docs: ManifestObject[];
    try {
      docs = parseManifestStream(text).filter((o) => o && typeof o === 'object');
    } catch {
      return; // malformed YAML is reported, located, when a build reads the file
    }
    for (const o of docs) {
      const spec = (o.spec ?? {}) as Record<string, any>;
      if (o.kind === 'Kustomization' && typeof o.apiVersion === 'string' && o.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/')) {
        const path = cleanPath(spec.path ?? '');
        if (path === undefined) continue;
        kustomizations.push({ file, dir: toPosix(relative(root, d)), path, sourceKind: String(spec.sourceRef?.kind ?? 'GitRepository') });
      } else if (o.kind === 'FluxInstance' && typeof o.apiVersion === 'string' && o.apiVersion.startsWith('fluxcd.controlplane.io/')) {
        const path = cleanPath(spec.sync?.path);
        if (path !== undefined) instances.push({ file, path });
      }
    }
  });
  return { kustomizations, instances };
}

/** Every cluster of the repository rooted at `root` (see ClusterOrigin), sorted by folder. */
function discoverClusters(root: string): DiscoveredCluster[] {
  const found = new Map<string, DiscoveredCluster>();
  const add = (dir: string, how: ClusterOrigin, declaredIn?: string) => {
    const key = dir || '.';
    if (found.has(key) || !existsSync(join(root, dir)) || !statSync(join(root, dir)).isDirectory()) return;
    found.set(key, { name: '', dir: key, how, ...(declaredIn ? { declaredIn } : {}) });
  };
  const clustersDir = join(root, 'clusters');
  if (existsSync(clustersDir) && statSync(clustersDir).isDirectory()) {
    for (const e of readdirSync(clustersDir, { withFileTypes: true })) if (e.isDirectory() && !e.name.startsWith('.')) add(`clusters/${e.name}`, 'clusters-folder');
  }
  const { kustomizations, instances } = scanFlux(root);
  // A Kustomization of a Git source whose path holds its own file starts the sync of that path.
  for (const k of kustomizations) if (k.sourceKind === 'GitRepository' && under(k.dir, k.path)) add(k.path, 'sync', k.file);
  for (const i of instances) add(i.path, 'flux-instance', i.file);
  if (!found.size) {
    // No sync in the repository: the topmost folders of Flux Kustomizations no other Kustomization reaches.
    const unreached = kustomizations.filter((k) => !kustomizations.some((o) => o.file !== k.file && under(k.dir, o.path)));
    const dirs = [...new Set(unreached.map((k) => k.dir))].sort();
    for (const d of dirs) if (!dirs.some((o) => o !== d && under(d, o))) add(d, 'unreached', unreached.find((k) => k.dir === d)!.file);
  }
  return name([...found.values()], root);
}

/** Names: `clusters/<name>` → name; otherwise the folder's last segment, or its whole path when two share one. */
function name(clusters: DiscoveredCluster[], root: string): DiscoveredCluster[] {
  const last = (c: DiscoveredCluster) => (c.dir === '.' ? basename(root) : c.dir.split('/').pop()!);
  const counts = new Map<string, number>();
  for (const c of clusters) counts.set(last(c), (counts.get(last(c)) ?? 0) + 1);
  return clusters.map((c) => ({ ...c, name: (counts.get(last(c)) ?? 0) > 1 ? c.dir.replace(/\//g, '-') : last(c) })).sort((a, b) => (a.dir < b.dir ? -1 : 1));
}

/**
 * The clusters of the Flux repository that contains `dir`. The repository root is the enclosing
 * git work tree (Flux paths are relative to it), or `dir` when it is not in one. `dir` may be the
 * root (every cluster), a folder holding clusters (those below it), a cluster folder or a folder
 * inside one (that cluster), or any other folder (rendered as one cluster of its own).
 */
export function listFluxClusters(dir: string): ClusterDiscovery {
  const abs = resolve(dir);
  const repoRoot = findGitRoot(abs) ?? abs;
  const rel = toPosix(relative(repoRoot, abs));
  const all = discoverClusters(repoRoot);
  // Nothing discovered: the folder itself is the one cluster (whether it holds anything is the caller's check).
  if (!all.length) return { repoRoot, clusters: [{ name: basename(abs), dir: rel || '.', how: 'path' }] };
  if (!rel) return { repoRoot, clusters: all };
  const below = all.filter((c) => c.dir !== '.' && under(c.dir, rel));
  if (below.length) return { repoRoot, clusters: below };
  const enclosing = all.filter((c) => c.dir !== '.' && under(rel, c.dir)).sort((a, b) => b.dir.length - a.dir.length)[0];
  if (enclosing) return { repoRoot, clusters: [enclosing] };
  return { repoRoot, clusters: [{ name: basename(abs), dir: rel, how: 'path' }] };
}
