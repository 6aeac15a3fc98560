import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { exec, type Runner } from '@carbon/toolchain';
import { KUSTOMIZATION_FILES, type Overlay } from './build.ts';
import { kustomizationStrings, REMOTE_INPUT, RENDER_CACHE_VERSION, sha256, type RenderCache } from './cache.ts';
import { parseYamlFast } from './fast-yaml.ts';
import { LIMITS } from './guard.ts';

/** Raised when how a key is made from git objects, or what its entry holds, changes. */
export const TREE_KEY_VERSION = 'git-tree-key/1';

type Entry = { mode: string; type: string; hash: string };

const HASH = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * A commit's tree read from git's object database, without extracting anything: one
 * `git ls-tree -r` for the listing (path → blob id) and one `git cat-file --batch` for the text of
 * every kustomization file in it. From these, the key of a pinned service's build is computed the
 * way InputHasher computes it from files (every file of every kustomization folder the build
 * reaches, every file or folder a kustomization names, by blob id), so a render of a pinned commit
 * whose builds are all in the cache needs no `git archive`, no `tar` and no hashing.
 *
 * Keys are refused (undefined: the build extracts and uses content keys as before) whenever git's
 * bytes and the extracted bytes could differ or the build could read something the listing does not
 * name: a symlink or submodule anywhere in the commit, a `.gitattributes` that converts or leaves
 * out files (text, eol, filter, ident, export-subst, export-ignore, …; `linguist-generated` is fine), or a repository or user configuration that converts line endings or sets attributes.
 */
export class GitTree {
  private readonly dirs = new Set<string>();

  private constructor(
    readonly commit: string,
    private readonly repo: string,
    private readonly entries: Map<string, Entry>,
    private readonly texts: Map<string, string>,
    /** Why keys cannot come from this tree, if they cannot. */
    readonly refused: string | undefined,
  ) {
    for (const p of entries.keys()) for (let d = posix.dirname(p); d !== '.' && !this.dirs.has(d); d = posix.dirname(d)) this.dirs.add(d);
  }

  /**
   * Reads `commit`'s listing and kustomization files: two git processes, or none when `cache` holds
   * them (a full commit id names immutable content; the configuration is read every time).
   */
  static async load(repo: string, commit: string, runner: Runner = exec, cache?: RenderCache): Promise<GitTree> {
    if (!HASH.test(commit) && !/^[0-9a-f]{7,64}$/i.test(commit)) throw new Error(`"${commit}" is not a commit id`);
    const key = cache && HASH.test(commit) ? sha256(`${LISTING_VERSION}\n${commit}`) : undefined;
    const kept = key ? keptListing(cache!.getResult(key)) : undefined;
    if (kept) return new GitTree(commit, repo, new Map(kept.entries.map(([p, mode, type, hash]) => [p, { mode, type, hash }])), new Map(kept.texts), (await convertingConfig(repo, runner)) ?? kept.refused);
    const [ls, plainConfig] = await Promise.all([runner('git', ['-C', repo, 'ls-tree', '-r', '-z', '--full-tree', `${commit}^{tree}`]), convertingConfig(repo, runner)]);
    const entries = new Map<string, Entry>();
    let refused: string | undefined;
    if (ls.exitCode !== 0) refused = `git ls-tree failed: ${ls.stderr.trim()}`;
    for (const rec of ls.exitCode === 0 ? ls.stdout.split('\0') : []) {
      const m = /^(\d{6}) (\w+) ([0-9a-f]+)\t(.+)$/s.exec(rec);
      if (!m) continue;
      const [, mode, type, hash, path] = m as unknown as [string, string, string, string, string];
      if (mode === '120000' || type !== 'blob') refused ??= `${path} is a ${type === 'commit' ? 'submodule' : 'symbolic link'}`;
      entries.set(path, { mode, type, hash });
    }
    const texts = new Map<string, string>();
    const wanted = [...entries].filter(([p, e]) => e.type === 'blob' && ([...KUSTOMIZATION_FILES, '.gitattributes'] as string[]).includes(posix.basename(p)));
    let complete = ls.exitCode === 0;
    if (!refused && !plainConfig && wanted.length) {
      const cat = await runner('git', ['-C', repo, 'cat-file', '--batch'], { input: `${wanted.map(([, e]) => e.hash).join('\n')}\n` });
      const parsed = cat.exitCode === 0 ? parseBatch(cat.stdout) : undefined;
      if (!parsed) {
        refused = 'git cat-file --batch could not be read';
        complete = false;
      } else for (const [p, e] of wanted) if (parsed.has(e.hash)) texts.set(p, parsed.get(e.hash)!);
      for (const [p] of wanted) if (posix.basename(p) === '.gitattributes') refused ??= convertingAttributes(p, texts.get(p));
    }
    // Kept only when read whole (not cut short by the configuration or a failed git).
    if (key && complete && !plainConfig) cache!.putResult(key, JSON.stringify({ entries: [...entries].map(([p, e]) => [p, e.mode, e.type, e.hash]), texts: [...texts], ...(refused ? { refused } : {}) } satisfies Listing), false);
    return new GitTree(commit, repo, entries, texts, plainConfig ?? refused);
  }

  /** The blob id of a file of the commit, if there is one. */
  blob(path: string): string | undefined {
    const e = this.entries.get(path);
    return e?.type === 'blob' ? e.hash : undefined;
  }

  private readonly read = new Map<string, string>();
  private readonly wanted = new Set<string>();

  /** Files whose text will probably be asked for (sources of objects served from the cache): read together by `fetchWanted`. */
  want(path: string): void {
    const h = this.blob(path);
    if (h && !this.read.has(h)) this.wanted.add(h);
  }

  private readonly fetching: Promise<void>[] = [];

  /**
   * One `git cat-file --batch` for every wanted file not read yet; returns when every fetch started
   * so far is done (another cluster's fetch may hold files this one wants: returning before it ends
   * left a finding to read each such file with a process of its own).
   */
  async fetchWanted(runner: Runner = exec): Promise<void> {
    const hashes = [...this.wanted].filter((h) => !this.read.has(h));
    this.wanted.clear();
    if (hashes.length) {
      this.fetching.push(
        runner('git', ['-C', this.repo, 'cat-file', '--batch'], { input: `${hashes.join('\n')}\n` }).then((cat) => {
          const parsed = cat.exitCode === 0 ? parseBatch(cat.stdout) : undefined;
          for (const [h, t] of parsed ?? []) this.read.set(h, t);
        }),
      );
    }
    await Promise.all(this.fetching);
  }

  /** A file's text at the commit (one `git cat-file`, only when a finding asks where a field is). */
  text(path: string): string | undefined {
    const hash = this.blob(path);
    if (!hash) return undefined;
    let t = this.read.get(hash);
    if (t === undefined) {
      try {
        t = execFileSync('git', ['-C', this.repo, 'cat-file', 'blob', hash], { encoding: 'utf8', maxBuffer: LIMITS.fileBytes + 1, stdio: ['ignore', 'pipe', 'ignore'] });
      } catch {
        return undefined; // a finding without a field position, never a failed check
      }
      this.read.set(hash, t);
    }
    return t;
  }

  private kfile(dir: string): string | undefined {
    for (const f of KUSTOMIZATION_FILES) {
      const p = dir ? `${dir}/${f}` : f;
      if (this.blob(p)) return p;
    }
    return undefined;
  }

  /** Whether the commit has a folder at `path` ('' is the root) with a kustomization file in it. */
  hasKustomization(path: string): boolean {
    return (path === '' || this.dirs.has(path)) && this.kfile(path) !== undefined;
  }

  private files(dir: string, recursive: boolean): string[] {
    const prefix = dir ? `${dir}/` : '';
    const out: string[] = [];
    for (const [p, e] of this.entries) {
      if (!p.startsWith(prefix) || e.type !== 'blob') continue;
      if (!recursive && p.slice(prefix.length).includes('/')) continue;
      out.push(`file ${p} ${e.hash}`);
    }
    return out.sort();
  }

  /**
   * The key of building Flux path `path` (with the Flux Kustomization's `overlay`) from this
   * commit with the kustomize binary `toolId`, as the source `paths` (its ignore allow-list; [] =
   * all) hands it over; undefined when it cannot be known without the files (see the class).
   */
  buildKey(path: string, overlay: Overlay | undefined, toolId: string, paths: readonly string[]): string | undefined {
    if (this.refused || !this.hasKustomization(path)) return undefined;
    const lines = [TREE_KEY_VERSION, RENDER_CACHE_VERSION, `tool ${toolId}`, `limits ${JSON.stringify(LIMITS)}`, `source ${JSON.stringify(paths)}`, `path ${path}`, `overlay ${JSON.stringify(overlay ?? null)}`];
    const seen = new Set<string>();
    const visit = (dir: string): boolean => {
      if (seen.has(dir)) return true;
      seen.add(dir);
      lines.push(`dir ${dir}`, ...this.files(dir, false));
      const kfile = this.kfile(dir);
      if (!kfile) return true;
      const text = this.texts.get(kfile);
      if (text === undefined) return false;
      let doc: unknown;
      try {
        doc = parseYamlFast(text);
      } catch {
        return false;
      }
      for (const s of kustomizationStrings(doc)) {
        if (REMOTE_INPUT.test(s)) return false;
        for (const candidate of s.includes('=') ? [s, s.slice(s.indexOf('=') + 1)] : [s]) {
          if (!candidate || candidate.includes('\n') || candidate.startsWith('/')) continue;
          const p = posix.normalize(posix.join(dir || '.', candidate)).replace(/\/+$/, '');
          if (p === '..' || p.startsWith('../')) return false; // outside the source: the build decides, unknowable here
          const rel = p === '.' ? '' : p;
          if (this.blob(rel)) lines.push(`file ${rel} ${this.blob(rel)}`);
          else if (rel === '' || this.dirs.has(rel)) {
            if (this.kfile(rel)) {
              if (!visit(rel)) return false;
            } else lines.push(`tree ${rel}`, ...this.files(rel, true));
          }
        }
      }
      return true;
    };
    for (const c of overlay?.components ?? []) {
      const p = posix.normalize(posix.join(path || '.', c));
      if (c.startsWith('/') || p === '..' || p.startsWith('../') || !this.hasKustomization(p === '.' ? '' : p)) return undefined;
      if (!visit(p === '.' ? '' : p)) return undefined;
    }
    if (!visit(path)) return undefined;
    return sha256(lines.join('\n'));
  }
}

/** Raised when what a kept commit listing holds changes. */
const LISTING_VERSION = 'git-tree-listing/1';
type Listing = { entries: [string, string, string, string][]; texts: [string, string][]; refused?: string };

function keptListing(body: string | undefined): Listing | undefined {
  if (body === undefined) return undefined;
  try {
    const l = JSON.parse(body) as Listing;
    return Array.isArray(l.entries) && Array.isArray(l.texts) ? l : undefined;
  } catch {
    return undefined;
  }
}

/** Attributes with which `git archive` writes other bytes than the blob, or leaves files out. */
const CONVERTING = new Set(['text', 'eol', 'crlf', 'filter', 'ident', 'export-subst', 'export-ignore', 'working-tree-encoding']);

/** Why a `.gitattributes` makes extracted files differ from blobs, or undefined (`linguist-generated`, `diff`… change nothing). */
export function convertingAttributes(path: string, text: string | undefined): string | undefined {
  if (text === undefined) return `${path} could not be read`;
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    if (t.startsWith('[attr]')) return `${path} defines attribute macros`;
    const attrs = t.split(/\s+/).slice(1).map((a) => a.replace(/^[-!]/, '').replace(/=.*$/, ''));
    const hit = attrs.find((a) => CONVERTING.has(a));
    if (hit) return `${path} sets ${hit}`;
  }
  return undefined;
}

/** `<hash> blob <size>\n<bytes>\n` records; undefined when the output does not add up. */
function parseBatch(out: string): Map<string, string> | undefined {
  const buf = Buffer.from(out, 'utf8');
  const texts = new Map<string, string>();
  let at = 0;
  while (at < buf.length) {
    const nl = buf.indexOf(10, at);
    if (nl < 0) return undefined;
    const head = /^([0-9a-f]+) blob (\d+)$/.exec(buf.subarray(at, nl).toString('utf8'));
    if (!head) return undefined;
    const size = Number(head[2]);
    if (buf[nl + 1 + size] !== 10) return undefined;
    texts.set(head[1]!, buf.subarray(nl + 1, nl + 1 + size).toString('utf8'));
    at = nl + 2 + size;
  }
  return texts;
}

/** Why `git archive` could write other bytes than the blobs (line-ending conversion, attributes), or undefined. */
export async function convertingConfig(repo: string, runner: Runner): Promise<string | undefined> {
  const [cfg, path] = await Promise.all([
    runner('git', ['-C', repo, 'config', '--get-regexp', '^core\\.(autocrlf|eol|attributesfile)$']),
    runner('git', ['-C', repo, 'rev-parse', '--git-path', 'info/attributes']),
  ]);
  const set = cfg.stdout.split('\n').filter((l) => l.trim() && !/^core\.autocrlf false$/i.test(l.trim()));
  if (set.length) return `git configuration ${set.join(', ')} may convert files`;
  const xdg = process.env.XDG_CONFIG_HOME || (process.env.HOME ? posix.join(process.env.HOME, '.config') : '');
  for (const f of [path.exitCode === 0 ? posix.resolve(repo, path.stdout.trim()) : '', xdg ? posix.join(xdg, 'git', 'attributes') : '']) {
    if (f && existsSync(f) && statSync(f).size > 0) return `${f} sets attributes`;
  }
  return undefined;
}
