import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { convertingAttributes, convertingConfig, documentText, lazyObject, LIMITS, RENDER_CACHE_VERSION, sha256, walkTree, type ManifestObject, type RenderCache, type RenderedCluster, type RenderedObject } from '@carbon/render';
import { exec, schemasDir, toolPath, type Runner } from '@carbon/toolchain';

/**
 * Whole results kept by what produced them (docs/performance.md, "Memos"):
 *
 *  - a **base revision** (`platform check`/`diff`'s base): its renderings, cluster facts, diff
 *    settings and cluster names, keyed by the commit id (immutable content), so a check against the
 *    same base renders nothing there and checks out no worktree;
 *  - a **whole check** (validate + diff + capacity): keyed by the working tree's content as git
 *    hashes it (a temporary copy of the index, `git add -A`, `git write-tree`: git's stat cache
 *    makes this cheap), the untracked and git-ignored entries left over, the base commit and the
 *    options, so a check of an unchanged tree is read back whole.
 *
 * Both keys also hold the environment (`environmentLines`): every tool binary's id, the pinned
 * schema set, the chart cache, the git configuration that converts files on checkout, `origin`'s
 * URL, PLATFORM_* variables, and the code version (every source file of the platform packages, or
 * the bundle that runs, plus the lock file and Node's version). A key that cannot be made
 * soundly is refused (no memo: the check runs as before), never guessed.
 */
export const MEMO_VERSION = 'check-memo/1';

let code: string | undefined;

/** SHA-256 over the code that computes results: the monorepo's sources when running from them, else the bundle that runs. */
export function codeVersion(): string {
  if (code) return code;
  const here = fileURLToPath(import.meta.url);
  const m = /^(.*)[\\/]packages[\\/]diff[\\/]src[\\/]memo\.ts$/.exec(here);
  code = m ? codeVersionOf(m[1]!) : createHash('sha256').update(`${MEMO_VERSION}\n${process.version}\n`).update(readFileSync(here)).digest('hex');
  return code;
}

/** Every file under `<root>/packages/<pkg>/src` (names and bytes), `<root>/package-lock.json` and Node's version. */
export function codeVersionOf(root: string): string {
  const h = createHash('sha256').update(`${MEMO_VERSION}\n${process.version}\n`);
  for (const f of codeFiles(root)) h.update(`${relative(root, f)}\n`).update(existsSync(f) ? readFileSync(f) : 'missing').update('\n');
  return h.digest('hex');
}

/** A whole folder tree, however large: a key made from a truncated walk would not be sound. */
const UNBOUNDED = { maxEntries: Number.POSITIVE_INFINITY };

export function codeFiles(root: string): string[] {
  const files: string[] = [join(root, 'package-lock.json')];
  const walk = { ...UNBOUNDED, skip: (name: string) => name === 'node_modules' || name.startsWith('.') };
  for (const pkg of readdirSync(join(root, 'packages')).sort()) {
    walkTree(join(root, 'packages', pkg, 'src'), walk, (path, e) => void (e.isFile() && files.push(path)));
  }
  return files;
}

/** Names, sizes and change times of everything under `dir` ('absent' when absent): a changed or replaced file always changes it. */
function statSignature(dir: string): string {
  if (!existsSync(dir)) return 'absent';
  const lines: string[] = [];
  walkTree(dir, UNBOUNDED, (path, e) => {
    const st = statSync(path, { bigint: true, throwIfNoEntry: false });
    lines.push(`${relative(dir, path)} ${e.isDirectory() ? 'd' : st ? `${st.size} ${st.mtimeNs} ${st.ctimeNs} ${st.ino}` : '?'}`);
  });
  return sha256(lines.join('\n'));
}

export type MemoEnvironment = {
  repo: string;
  toolsRoot: string;
  runner?: Runner;
  charts?: { cacheDir?: string; fetch?: boolean };
};

/** What every memo's key holds besides its own inputs; a string when no sound key can be made. */
export async function environmentLines(env: MemoEnvironment): Promise<string[] | string> {
  if (env.charts?.fetch) return 'charts may be fetched (network input)';
  const runner = env.runner ?? exec;
  const [converting, origin] = await Promise.all([convertingConfig(env.repo, runner), runner('git', ['-C', env.repo, 'config', '--get', 'remote.origin.url'])]);
  if (converting) return converting;
  // A binary by where it is and its inode, size and change times (a replaced or rewritten binary always gets a new
  // change time, which no program can set back): hashing helm's 120 MB would cost a cold run half a second.
  const tools = ['kustomize', 'helm', 'kubeconform', 'promtool'].map((t) => {
    const path = toolPath(env.toolsRoot, t as Parameters<typeof toolPath>[1]);
    const st = statSync(path, { bigint: true, throwIfNoEntry: false });
    return `tool ${t} ${path} ${st ? `${st.dev} ${st.ino} ${st.size} ${st.mtimeNs} ${st.ctimeNs}` : 'missing'}`;
  });
  const stamp = join(schemasDir(env.toolsRoot), 'stamp.json');
  const charts = resolve(env.charts?.cacheDir ?? join(env.toolsRoot, '.cache', 'charts'));
  const vars = Object.keys(process.env)
    .filter((k) => k.startsWith('PLATFORM_') && k !== 'PLATFORM_TIMINGS' && k !== 'PLATFORM_RENDER_CACHE')
    .sort()
    .map((k) => `env ${k}=${process.env[k]}`);
  return [
    MEMO_VERSION,
    RENDER_CACHE_VERSION,
    `code ${codeVersion()}`,
    `tools root ${resolve(env.toolsRoot)}`,
    ...tools,
    `schemas ${existsSync(stamp) ? sha256(readFileSync(stamp)) : 'no stamp'}`,
    `charts ${charts} ${statSignature(charts)}`,
    `origin ${origin.exitCode === 0 ? origin.stdout.trim() : ''}`,
    ...vars,
  ];
}

/** The working tree's content as key lines, and the untracked entries git collapsed into folders (their content is not in the key). */
export type WorktreeState = { lines: string[]; folders: string[] };

/**
 * The working tree of `repo` (a git work tree's top folder) as git would commit it with
 * `git add -A`, done on a temporary copy of its index (the user's index is not touched; blobs of
 * changed files are written to the object database, as `git add` does), plus what `add -A` leaves
 * out: git-ignored entries and empty folders (`git ls-files -o --directory`), each file with its
 * size, change time and inode. Refused (a string) when git's bytes could differ from the files'
 * (converting attributes or configuration), when entries are marked assume-unchanged or
 * skip-worktree, or when the tree holds symbolic links or submodules.
 */
export async function worktreeState(repo: string, runner: Runner = exec, cacheDir?: string): Promise<WorktreeState | string> {
  // The cache folder itself (`.cache/render` by default, git-ignored) is written while a check runs: its name is not
  // part of the tree's content (a read into it is still found by unkeyedRead), and it must not be in git's view.
  const cacheRel = cacheDir ? relative(resolve(repo), resolve(cacheDir)).split(sep).join('/') : undefined;
  const ofCache = (p: string) => cacheRel !== undefined && !cacheRel.startsWith('..') && !isAbsolute(cacheRel) && (p === cacheRel || p.startsWith(`${cacheRel}/`) || cacheRel.startsWith(`${p}/`));
  const top = await runner('git', ['-C', repo, 'rev-parse', '--show-toplevel', '--git-path', 'index']);
  if (top.exitCode !== 0) return `not a git work tree: ${top.stderr.trim()}`;
  const [root, indexPath] = top.stdout.trim().split('\n') as [string, string];
  if (resolve(root) !== resolve(repo)) return `${repo} is not the top of its git work tree`;
  const tmp = mkdtempSync(join(tmpdir(), 'carbon-memo-index-'));
  try {
    const index = join(tmp, 'index');
    const original = resolve(repo, indexPath);
    if (existsSync(original)) {
      copyFileSync(original, index);
      // The copy keeps the original's modification time (rounded down): git's racy-entry check re-reads what it must.
      const st = statSync(original);
      utimesSync(index, st.atime, new Date(Math.floor(st.mtimeMs) - 1));
    }
    const env = { GIT_INDEX_FILE: index, GIT_OPTIONAL_LOCKS: '0' };
    const git = (...args: string[]) => runner('git', ['-C', repo, ...args], { env });
    // What `add -A` would hash and store: nothing over the one-file limit (a 10 GB untracked dump is not copied into .git).
    // Before any git command that compares contents (`ls-files -m`, `add -A`): a .gitattributes of the tree (pull
    // request content) naming a filter the configuration defines would have git run that filter.
    const [attributes, flags] = await Promise.all([git('ls-files', '-z', '-c', '-o', '--exclude-standard', '--', '.gitattributes', '*/.gitattributes'), git('ls-files', '-v', '-z')]);
    if (attributes.exitCode !== 0 || flags.exitCode !== 0) return 'git could not list the working tree';
    for (const a of new Set(attributes.stdout.split('\0').filter(Boolean))) {
      const why = convertingAttributes(a, readText(join(repo, a)));
      if (why) return why;
    }
    const pending = await git('ls-files', '-z', '-o', '-m', '--exclude-standard');
    if (pending.exitCode !== 0) return 'git could not list the changed files';
    const marked = flags.stdout.split('\0').find((r) => r && !r.startsWith('H '));
    if (marked) return `${marked.slice(2)} is marked assume-unchanged or skip-worktree`;
    const huge = pending.stdout.split('\0').find((p) => p && (statSync(join(repo, p), { throwIfNoEntry: false })?.size ?? 0) > LIMITS.fileBytes);
    if (huge) return `${huge} is over ${LIMITS.fileBytes / 1024 / 1024} MiB`;
    const add = await git('add', '-A', '--', '.');
    if (add.exitCode !== 0) return `git add -A failed: ${add.stderr.trim()}`;
    const tree = await git('write-tree');
    if (tree.exitCode !== 0) return `git write-tree failed: ${tree.stderr.trim()}`;
    const [listing, untracked] = await Promise.all([git('ls-tree', '-r', '-z', '--full-tree', tree.stdout.trim()), git('ls-files', '-z', '-o', '--directory')]);
    if (listing.exitCode !== 0 || untracked.exitCode !== 0) return 'git could not list the working tree';
    for (const rec of listing.stdout.split('\0')) {
      const m = /^(\d{6}) (\w+) [0-9a-f]+\t(.+)$/s.exec(rec);
      if (!m) continue;
      if (m[1] === '120000' || m[2] !== 'blob') return `${m[3]} is a ${m[2] === 'commit' ? 'submodule' : 'symbolic link'}`;
      if (ofCache(m[3]!)) return `the cache folder ${cacheRel} is inside the repository and not git-ignored`;
    }
    const lines = [`worktree ${tree.stdout.trim()}`];
    const folders: string[] = [];
    for (const p of untracked.stdout.split('\0').filter(Boolean).sort()) {
      if (p.endsWith('/')) {
        folders.push(p.slice(0, -1));
        if (!ofCache(p.slice(0, -1))) lines.push(`untracked folder ${p}`);
        continue;
      }
      if (ofCache(p)) {
        folders.push(p);
        continue;
      }
      const st = statSync(join(repo, p), { bigint: true, throwIfNoEntry: false });
      lines.push(`untracked ${p} ${st ? `${st.mode} ${st.size} ${st.mtimeNs} ${st.ctimeNs} ${st.ino}` : 'gone'}`);
    }
    return { lines, folders };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function readText(abs: string): string | undefined {
  try {
    return readFileSync(abs, 'utf8');
  } catch {
    return undefined;
  }
}

const inside = (child: string, parent: string): boolean => parent === '' || child === parent || child.startsWith(`${parent}/`);

/**
 * Why a whole-check memo of this tree would be unsound, or undefined: a folder whose content is not
 * in the key (git-ignored, or empty) that the check may read. Cluster discovery reads every folder
 * except dot folders, node_modules and vendor; builds read what their kustomizations name
 * (`RenderedCluster.inputs`), Flux paths and cluster folders whole, and charts named by path.
 */
export function unkeyedRead(folders: string[], clusters: RenderedCluster[]): string | undefined {
  const reads = new Set<string>(['platform']);
  for (const c of clusters) {
    reads.add(c.clusterDir);
    for (const p of c.inputs ?? []) reads.add(p);
    for (const k of c.kustomizations) {
      reads.add(k.path);
      for (const o of k.objects) {
        if (o.object.kind !== 'HelmRelease') continue; // the kind first: reading spec parses the object
        const chart = (o.object.spec as any)?.chart?.spec?.chart;
        if (typeof chart === 'string') reads.add(chart.replace(/^\.\//, '').replace(/\/+$/, ''));
      }
    }
  }
  for (const f of folders) {
    if (!f.split('/').some((s) => s.startsWith('.') || s === 'node_modules' || s === 'vendor')) return `${f}/ is not in git (ignored or empty) and cluster discovery reads it`;
    const hit = [...reads].find((r) => inside(r, f) || inside(f, r));
    if (hit !== undefined) return `${f}/ is not in git (ignored or empty) and the check reads ${hit || 'the repository root'}`;
  }
  return undefined;
}

type StoredObject = Omit<RenderedObject, 'object'> & { t?: string; j?: ManifestObject };
type StoredCluster = Omit<RenderedCluster, 'kustomizations' | 'unapplied'> & {
  kustomizations: (Omit<RenderedCluster['kustomizations'][number], 'objects'> & { objects: StoredObject[] })[];
  unapplied: { file: string; objects: StoredObject[] }[];
};

function storeObject(o: RenderedObject): StoredObject {
  const { object, ...rest } = o;
  const t = documentText(object);
  return t !== undefined ? { ...rest, t } : { ...rest, j: object };
}

function restoreObject(s: StoredObject): RenderedObject {
  const { t, j, ...rest } = s;
  return { object: t !== undefined ? lazyObject(t) : (j as ManifestObject), ...rest };
}

/** Renderings as JSON: each object by the text kustomize printed when there is one (restored lazily, as rendered), else as data. */
export function storeClusters(clusters: RenderedCluster[]): StoredCluster[] {
  return clusters.map((c) => ({ ...c, kustomizations: c.kustomizations.map((k) => ({ ...k, objects: k.objects.map(storeObject) })), unapplied: c.unapplied.map((u) => ({ file: u.file, objects: u.objects.map(storeObject) })) }));
}

export function restoreClusters(stored: StoredCluster[]): RenderedCluster[] {
  return stored.map((c) => ({ ...c, kustomizations: c.kustomizations.map((k) => ({ ...k, objects: k.objects.map(restoreObject) })), unapplied: c.unapplied.map((u) => ({ file: u.file, objects: u.objects.map(restoreObject) })) }));
}

export type { StoredCluster };

/**
 * Whether JSON gives `v` back as it is: finite numbers (not -0), no undefined inside arrays, plain
 * objects, arrays, strings, booleans and null only. A YAML `.inf` would come back as null: such a
 * result is not kept.
 */
export function faithfulJson(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
  if (Array.isArray(v)) return v.every((x) => x !== undefined && faithfulJson(x));
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return false;
    return Object.values(v as Record<string, unknown>).every((x) => x === undefined || faithfulJson(x));
  }
  return false;
}

/** A memo entry (JSON) by key, or undefined; a body that does not parse is a miss. */
export function readMemo<T>(cache: RenderCache, key: string): T | undefined {
  const body = cache.getResult(key);
  if (body === undefined) return undefined;
  try {
    return JSON.parse(body) as T;
  } catch {
    return undefined;
  }
}

export const memoKey = (lines: string[]): string => sha256(lines.join('\n'));
