import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { noteToolRun, spanSync, type ExecResult } from '@carbon/toolchain';
import { kustomizationFile } from './build.ts';
import { parseYamlFast } from './fast-yaml.ts';

/**
 * Content-addressed kustomize builds. A build's output is a function of the bytes it reads and
 * the program that reads them, so the key is a hash of exactly that:
 *
 *  - every file in every kustomization folder the build reaches (the kustomization file and its
 *    neighbours), and every file or folder any string of a kustomization file names — resources,
 *    bases, components, patches, generator inputs, replacements, CRDs, openapi, configurations,
 *    whatever the field — hashed by content and named relative to the source root, so the same
 *    tree at base and head, in the working tree or in a commit extracted from git, has one key;
 *  - the kustomize binary (its SHA-256) and the arguments;
 *  - `RENDER_CACHE_VERSION`, raised whenever what is stored or how the key is made changes.
 *
 * A kustomization that names a remote resource (`https://`, `github.com/…`, `git@…`) is never
 * cached: its input is not in the repository. Only successful builds are stored. Entries are
 * written to a temporary file and renamed into place, and each carries its own key and the
 * SHA-256 of its body, checked on every read: a torn or edited entry is a miss (re-rendered and
 * rewritten), never a wrong answer.
 */
export const RENDER_CACHE_VERSION = 'render-cache/1';
const TOOL_ID_VERSION = 'tool-id/1';

/** `treeHits`: builds of a pinned commit answered by their git-object key (nothing extracted, see gittree.ts). */
export type RenderCacheStats = { hits: number; diskHits: number; misses: number; corrupt: number; writes: number; uncacheable: number; treeHits: number };

export class RenderCache {
  readonly stats: RenderCacheStats = { hits: 0, diskHits: 0, misses: 0, corrupt: 0, writes: 0, uncacheable: 0, treeHits: 0 };
  private readonly memory = new Map<string, Promise<ExecResult>>();
  private readonly tools = new Map<string, string>();
  private readonly results = new Map<string, string>();

  /** `dir`: a folder kept between runs (CI: actions/cache); without it, the cache lives as long as this object. */
  constructor(readonly dir?: string) {}

  /**
   * SHA-256 of a tool binary, once per path/size/mtime/ctime/inode: kept in the folder too, so a
   * run does not re-read 30-60 MB of binaries (1.5 s of a warm check's CPU). The change time and
   * inode cannot be set back by a program, so a replaced binary always gets a new lookup.
   */
  toolId(path: string): string {
    let st;
    try {
      st = statSync(path, { bigint: true });
    } catch {
      return `missing:${path}`;
    }
    const memo = `${path}\0${st.size}\0${st.mtimeNs}\0${st.ctimeNs}\0${st.ino}\0${st.dev}`;
    let id = this.tools.get(memo);
    if (!id) {
      const key = sha256(`${TOOL_ID_VERSION}\n${memo}`);
      const stored = this.getResult(key);
      id = stored && /^[0-9a-f]{64}$/.test(stored) ? stored : createHash('sha256').update(readFileSync(path)).digest('hex');
      if (id !== stored) this.putResult(key, id, false); // not a build: not counted in stats.writes
      this.tools.set(memo, id);
    }
    return id;
  }

  /**
   * The build for `key`: from memory, else from the folder, else `produce()` (stored when it
   * succeeds). A reuse is reported to the progress line as a `reused` run of `tool`.
   */
  run(key: string | undefined, produce: () => Promise<ExecResult>, tool = 'kustomize'): Promise<ExecResult> {
    if (!key) {
      this.stats.uncacheable++;
      return produce();
    }
    const known = this.memory.get(key);
    if (known) {
      this.stats.hits++;
      noteToolRun(tool, 'reused');
      return known;
    }
    const p = this.load(key, produce, tool);
    this.memory.set(key, p);
    return p;
  }

  private async load(key: string, produce: () => Promise<ExecResult>, tool: string): Promise<ExecResult> {
    const stored = this.read(key);
    if (stored !== undefined) {
      this.stats.diskHits++;
      noteToolRun(tool, 'reused');
      return { stdout: stored, stderr: '', exitCode: 0 };
    }
    this.stats.misses++;
    const res = await produce();
    if (res.exitCode === 0) this.write(key, res.stdout);
    else this.memory.delete(key); // a failure is reported, never remembered
    return res;
  }

  private file(key: string, ext = 'yaml'): string {
    return join(this.dir!, key.slice(0, 2), `${key}.${ext}`);
  }

  /**
   * Other results keyed by content (kubeconform's verdict on an object): the same verified, atomic
   * entries, in memory for this object's life and in the folder when there is one.
   */
  getResult(key: string): string | undefined {
    const m = this.results.get(key);
    if (m !== undefined) return m;
    const d = this.read(key, 'json');
    if (d !== undefined) this.results.set(key, d);
    return d;
  }

  putResult(key: string, body: string, counted = true): void {
    this.results.set(key, body);
    this.write(key, body, 'json', counted);
  }

  /** The stored body, or undefined when absent or not intact (then removed). */
  private read(key: string, ext = 'yaml'): string | undefined {
    return this.dir ? spanSync(`cache read + verify (.${ext})`, () => this.readEntry(key, ext)) : undefined;
  }

  private readEntry(key: string, ext: string): string | undefined {
    const f = this.file(key, ext);
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      return undefined;
    }
    const nl = text.indexOf('\n');
    const m = /^# (\S+) (\S+) ([0-9a-f]{64}) (\d+)$/.exec(nl > 0 ? text.slice(0, nl) : '');
    const body = text.slice(nl + 1);
    if (m && m[1] === RENDER_CACHE_VERSION && m[2] === key && Number(m[4]) === Buffer.byteLength(body) && sha256(body) === m[3]) return body;
    this.stats.corrupt++;
    rmSync(f, { force: true });
    return undefined;
  }

  private write(key: string, body: string, ext = 'yaml', counted = true): void {
    if (!this.dir) return;
    const f = this.file(key, ext);
    const tmp = join(this.dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      mkdirSync(join(this.dir, key.slice(0, 2)), { recursive: true });
      writeFileSync(tmp, `# ${RENDER_CACHE_VERSION} ${key} ${sha256(body)} ${Buffer.byteLength(body)}\n${body}`, { mode: 0o600 });
      renameSync(tmp, f);
      if (counted) this.stats.writes++;
    } catch {
      // A cache that cannot be written (read-only, full disk) costs a re-render next time, nothing else.
      rmSync(tmp, { force: true });
    }
  }
}

/** Environment variable naming the cache folder (`off`: no reuse at all, every build runs kustomize). */
export const RENDER_CACHE_ENV = 'PLATFORM_RENDER_CACHE';

/**
 * The cache a command uses: the folder in $PLATFORM_RENDER_CACHE (relative to the current folder),
 * else `fallbackDir` (the CLI passes `<repo>/.cache/render`), else memory only; none when it is `off`.
 */
export function renderCacheFor(fallbackDir?: string, env: NodeJS.ProcessEnv = process.env): RenderCache | undefined {
  const v = env[RENDER_CACHE_ENV]?.trim();
  if (v === 'off') return undefined;
  if (v) return new RenderCache(resolve(v));
  return new RenderCache(fallbackDir);
}

/** `{ cache }` for RenderOptions: the one given, else `renderCacheFor()`; `{}` when caching is off. */
export function cacheOption(given?: RenderCache): { cache?: RenderCache } {
  const cache = given ?? renderCacheFor();
  return cache ? { cache } : {};
}

export const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

/** A kustomization string naming something outside the repository (never cached). */
export const REMOTE_INPUT = /^[a-z][a-z0-9+.-]*:\/\/|^github\.com\/|^git@|^ssh:|^oci:/i;

/**
 * Hashes of files by absolute path, for one run (files do not change while it renders): a base
 * shared by many services is read and hashed once.
 */
export class InputHasher {
  private readonly files = new Map<string, string>();
  private readonly trees = new Map<string, string[] | undefined>();
  /** Every folder and file a key was made from (absolute): what a build can read, for the check memo's ignored-file rule. */
  readonly visited = new Set<string>();

  fileHash(abs: string): string {
    let h = this.files.get(abs);
    if (!h) {
      h = sha256(readFileSync(abs));
      this.files.set(abs, h);
    }
    return h;
  }

  /**
   * The key of `kustomize <args>` building `target` inside `root`, or undefined when the build reads
   * something outside the repository or remote. `rootTexts` are files outside `root` whose text is
   * part of the input (the temporary kustomization wrapping a Flux Kustomization's own transforms):
   * their text is hashed with `root` replaced, so it does not depend on where the source lies.
   */
  buildKey(root: string, target: string, args: readonly string[], toolId: string): string | undefined {
    const lines: string[] = [RENDER_CACHE_VERSION, `tool ${toolId}`, `args ${args.map((a) => (a === target ? '<target>' : a)).join(' ')}`];
    const name = (abs: string) => (abs === target && !inside(root, abs) ? '<target>' : inside(root, abs) ? relative(root, abs).split(sep).join('/') || '.' : undefined);
    const seen = new Set<string>();
    const visit = (dir: string): boolean => {
      if (seen.has(dir)) return true;
      seen.add(dir);
      this.visited.add(dir);
      const dn = name(dir);
      if (dn === undefined) return false;
      const tree = this.tree(dir, false, dn, root);
      if (!tree) return false;
      lines.push(...tree);
      const kfile = kustomizationFile(dir);
      if (!kfile) return true;
      let doc: unknown;
      try {
        doc = parseYamlFast(readFileSync(kfile, 'utf8'));
      } catch {
        return false; // kustomize will say what is wrong; nothing to remember
      }
      for (const s of kustomizationStrings(doc)) {
        if (REMOTE_INPUT.test(s)) return false;
        for (const candidate of s.includes('=') ? [s, s.slice(s.indexOf('=') + 1)] : [s]) {
          if (!candidate || candidate.includes('\n')) continue;
          const abs = resolve(dir, candidate);
          if (!existsSync(abs)) continue;
          this.visited.add(abs);
          const n = name(abs);
          if (n === undefined) return false; // outside the source: refused or unknowable
          if (!realInside(root, abs)) return false; // a symlink out of the source: never read, not even to hash it
          const st = statSync(abs);
          if (st.isDirectory()) {
            if (kustomizationFile(abs)) {
              if (!visit(abs)) return false;
            } else {
              const t = this.tree(abs, true, n, root);
              if (!t) return false;
              lines.push(...t);
            }
          } else if (st.isFile()) lines.push(`file ${n} ${this.fileHash(abs)}`);
        }
      }
      return true;
    };
    if (!visit(target)) return undefined;
    return sha256(lines.join('\n'));
  }

  /** `file <name> <hash>` for every file of `dir` (recursively or not); texts outside `root` are hashed with `root` replaced. */
  private tree(dir: string, recursive: boolean, display: string, root: string): string[] | undefined {
    const memo = `${recursive ? 'r' : 'f'}\0${dir}`;
    if (this.trees.has(memo)) return this.trees.get(memo);
    const out: string[] = [`dir ${display}`];
    const walk = (d: string, shown: string) => {
      for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const p = join(d, e.name);
        const n = `${shown}/${e.name}`;
        if (e.isDirectory()) {
          if (recursive) walk(p, n);
          continue;
        }
        if (!e.isFile() && !e.isSymbolicLink()) continue;
        if (e.isSymbolicLink()) {
          // A link is hashed by where it points; its target's bytes only when that is a regular file inside the source
          // (a link to /proc/self/environ or /dev/zero in a kustomization folder is never opened).
          const target = realInside(root, p) && statSync(p).isFile() ? this.fileHash(p) : `-> ${readlinkSync(p)}`;
          out.push(`link ${n} ${target}`);
          continue;
        }
        if (inside(root, d)) out.push(`file ${n} ${this.fileHash(p)}`);
        else out.push(`file ${n} ${sha256(rootFree(readFileSync(p, 'utf8'), root, d))}`);
      }
    };
    let result: string[] | undefined;
    try {
      walk(dir, display);
      result = out;
    } catch {
      result = undefined;
    }
    this.trees.set(memo, result);
    return result;
  }
}

/** A wrapper kustomization's text without where the source lies: `root` (absolute, or relative to the wrapper's folder) becomes `<root>`. */
function rootFree(text: string, root: string, wrapperDir: string): string {
  const rel = relative(wrapperDir, root).split(sep).join('/');
  const out = text.split(root).join('<root>');
  if (!rel) return out;
  const esc = rel.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return out.replace(new RegExp(`(^|[\\s"'\\[,])${esc}(?=/|$|[\\s"',\\]])`, 'gm'), '$1<root>');
}

/** Whether `abs` exists and its real path (symlinks resolved) is inside the real path of `root`. */
function realInside(root: string, abs: string): boolean {
  try {
    return inside(realpathSync(root), realpathSync(abs));
  } catch {
    return false;
  }
}

function inside(root: string, abs: string): boolean {
  return abs === root || abs.startsWith(`${root}${sep}`);
}

/** Every string anywhere in a parsed kustomization: what any field may name as an input. */
export function kustomizationStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) kustomizationStrings(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) kustomizationStrings(x, out);
  return out;
}
