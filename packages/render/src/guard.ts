import { isUtf8 } from 'node:buffer';
import { closeSync, fstatSync, lstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { isAlias, isCollection, isPair, isScalar, parseAllDocuments, type Node } from 'yaml';

/**
 * What a pull request may make the renderer read. Everything kustomize (or anything else that
 * renders PR content) reads must be checked here first:
 *  - inside the root: after symlinks, every file and folder resolves inside the repository (or the
 *    extracted tree of a pinned commit); absolute paths, `..` escapes and symlinks leading out are
 *    refused, and nothing of the target is read;
 *  - local: remote bases and resources (URLs, git@, github.com/…, `?ref=`) are refused;
 *  - bounded: a file kustomize will parse is within fixed limits (size, documents, aliases and
 *    their expansion, nesting depth) before any process sees it.
 */

export const LIMITS = {
  /** Bytes per file. The API server refuses objects over ~1.5 MiB; the largest file here (a CRD) is 0.75 MiB. */
  fileBytes: 8 * 1024 * 1024,
  /** Bytes of all the files one build reads. */
  buildBytes: 64 * 1024 * 1024,
  /** YAML documents per file (the largest here has 5). */
  documentsPerFile: 2_000,
  /** YAML documents in all the files one build reads. */
  documentsPerBuild: 20_000,
  /** Aliases (`*name`) per file; Kubernetes manifests rarely use any. */
  aliases: 100,
  /** Nodes of a document once its aliases are expanded (a billion-laughs file is a few lines with a huge expansion). */
  expandedNodes: 200_000,
  /** Nesting depth of maps and lists. */
  depth: 100,
} as const;

export type GuardCode = 'outside' | 'remote' | 'limit' | 'encoding';
/** A refused reference or file: `file`/`line`/`column` is where the reference is written (or the file itself). */
export type GuardProblem = { code: GuardCode; file: string; line?: number; column?: number; message: string; hint: string };

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const HOSTLIKE = /^(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?\//i;

/** A kustomize reference that would be fetched rather than read from disk. */
export function isRemote(ref: string): boolean {
  return SCHEME.test(ref) || ref.startsWith('git@') || ref.startsWith('git::') || /^[\w.-]+@[\w.-]+:/.test(ref) || /[?&](ref|version|timeout|submodules)=/.test(ref) || HOSTLIKE.test(ref);
}

/** Whether `abs` is `root` or below it (both absolute, already resolved). */
export function isInside(root: string, abs: string): boolean {
  return abs === root || abs.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
}

/** The real path of `abs` when it exists, else undefined (no content is read). */
function real(abs: string): string | undefined {
  try {
    return realpathSync(abs);
  } catch {
    return undefined;
  }
}

/**
 * A root that references are checked against. `real` is the root with its own symlinks resolved
 * (`/tmp` may be one), so a reference is compared real path to real path.
 */
export class Root {
  readonly real: string;
  constructor(readonly dir: string) {
    this.real = real(dir) ?? dir;
  }

  rel(abs: string): string {
    return relative(this.dir, abs).split(sep).join('/') || '.';
  }

  /**
   * Checks a path written in `from` (repo-relative display name, line) relative to folder `base`.
   * Returns the absolute path when it is local and stays inside the root (after symlinks), or a problem.
   */
  resolveRef(base: string, ref: string, from: { file: string; line?: number }, what: string): { abs: string } | { problem: GuardProblem } {
    const at = { file: from.file, ...(from.line ? { line: from.line } : {}) };
    if (isRemote(ref)) {
      return { problem: { code: 'remote', ...at, message: `${what} "${ref}" is remote: rendering never fetches (no network during validate and diff)`, hint: 'vendor the files into the repository and reference them by a relative path' } };
    }
    if (isAbsolute(ref) || /^[a-z]:[\\/]/i.test(ref)) {
      return { problem: { code: 'outside', ...at, message: `${what} "${ref}" is an absolute path: only files inside the repository are read`, hint: 'use a path relative to the kustomization, inside the repository' } };
    }
    const abs = resolve(base, ref);
    const escape = this.escapes(abs);
    if (escape) return { problem: { code: 'outside', ...at, message: `${what} "${ref}" ${escape}: only files inside the repository are read, and nothing of it was`, hint: 'reference files inside the repository only (no `..` out of it, no symlink out of it)' } };
    return { abs };
  }

  /** Why `abs` is not inside the root (lexically, or after symlinks), or undefined when it is. */
  escapes(abs: string): string | undefined {
    if (!isInside(this.dir, abs)) return 'leaves the repository';
    const r = real(abs);
    if (r !== undefined && !isInside(this.real, r)) return 'is (or goes through) a symbolic link that leads outside the repository';
    return undefined;
  }
}

/** Whether a directory entry is a symlink (checked without following it). */
export function isSymlink(abs: string): boolean {
  try {
    return lstatSync(abs).isSymbolicLink();
  } catch {
    return false;
  }
}

const limitHint = 'split the file, remove YAML anchors/aliases, or flatten it; rendering refuses inputs over these limits so a pull request cannot exhaust the runner';

/** Size of a file without reading it (undefined when it does not exist or is not a file). */
export function fileSize(abs: string): number | undefined {
  try {
    const s = statSync(abs);
    return s.isFile() ? s.size : undefined;
  } catch {
    return undefined;
  }
}

/** Reads at most `max` bytes of a file: never more than the limit is held in memory. */
function readBounded(abs: string, max: number): Buffer {
  const fd = openSync(abs, 'r');
  try {
    // Sized to the file (one byte more, to see growth), grown up to `max` if it grows while read:
    // a buffer of `max` for every small file was most of a warm check's time (allocation and GC).
    let buf = Buffer.allocUnsafe(Math.min(max, fstatSync(fd).size + 1));
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (n >= max) return buf;
        const bigger = Buffer.allocUnsafe(Math.min(max, buf.length * 2));
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got <= 0) return buf.subarray(0, n);
      n += got;
    }
  } finally {
    closeSync(fd);
  }
}

export type FileCheck = { bytes: number; documents: number; problem?: GuardProblem };

/**
 * Checks one file kustomize will read, within LIMITS, before any process sees it. `yaml: false`
 * for generator inputs (files/envs), which are data, not YAML: only their size is bounded.
 */
export function checkFile(abs: string, display: string, yaml = true): FileCheck {
  const size = fileSize(abs);
  if (size === undefined) return { bytes: 0, documents: 0 };
  if (size > LIMITS.fileBytes) {
    return { bytes: size, documents: 0, problem: { code: 'limit', file: display, message: `file is ${mib(size)}, over the ${mib(LIMITS.fileBytes)} limit for one file`, hint: limitHint } };
  }
  if (!yaml) return { bytes: size, documents: 0 };
  const bytes = readBounded(abs, LIMITS.fileBytes + 1);
  const bad = checkEncoding(bytes, display);
  if (bad) return { bytes: size, documents: 0, problem: bad };
  const text = bytes.toString('utf8');
  const r = checkYamlText(text, display);
  return { bytes: size, ...r };
}

/**
 * Characters the YAML reader of kustomize (and of kustomize-controller, the same go-yaml code)
 * accepts: tab, LF, CR, printable ASCII, NEL, U+00A0–U+D7FF, U+E000–U+FFFD and U+10000 and up.
 * Anything else (NUL, other C0 controls, DEL, C1 controls, U+FFFE/U+FFFF) fails the build with
 * "control characters are not allowed"; bytes that are not UTF-8 fail it with "invalid leading
 * UTF-8 octet". Measured with the pinned kustomize on each class (docs/validate.md, INP002).
 */
const DISALLOWED = /[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

/** Offset and length of the first byte sequence that is not UTF-8 (overlong, surrogate and out-of-range forms included), or -1. */
function invalidUtf8At(b: Buffer): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (i + k >= b.length || (b[i + k]! & 0xc0) !== 0x80) return i;
    const c1 = b[i + 1]!;
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 >= 0xa0) || (c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 >= 0x90)) return i;
    i += n + 1;
  }
  return -1;
}

const encodingHint = 'save the file as UTF-8 without control characters (write them as escapes such as "\\t" or "\\u0001" inside a double-quoted string); Flux\'s kustomize build refuses this file, so nothing in its folder is applied';

/**
 * The first byte kustomize's YAML reader refuses: not UTF-8, or a character YAML does not allow.
 * Located by line, column (characters) and byte offset; never quotes the file's content.
 */
export function checkEncoding(b: Buffer, display: string): GuardProblem | undefined {
  let at: number;
  let what: string;
  if (isUtf8(b)) {
    const text = b.toString('utf8');
    const m = DISALLOWED.exec(text);
    if (!m) return undefined;
    const c = m[0].codePointAt(0)!;
    at = Buffer.byteLength(text.slice(0, m.index));
    what = `control character U+${c.toString(16).toUpperCase().padStart(4, '0')}${c === 0 ? ' (NUL)' : c === 0x7f ? ' (DEL)' : ''} is not allowed in YAML`;
  } else {
    at = Math.max(0, invalidUtf8At(b));
    // go-yaml would decode UTF-16 with a byte-order mark; the renderer reads UTF-8 only, so it is refused here (stricter than Flux).
    const utf16 = at === 0 && b.length >= 2 && ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff));
    what = utf16 ? 'the file is UTF-16 (byte-order mark); only UTF-8 is read' : `byte 0x${b[at]!.toString(16).padStart(2, '0')} is not valid UTF-8`;
  }
  const before = b.subarray(0, at);
  let line = 1;
  for (let i = before.indexOf(0x0a); i >= 0; i = before.indexOf(0x0a, i + 1)) line++;
  const column = [...before.subarray(before.lastIndexOf(0x0a) + 1).toString('utf8')].length + 1;
  return { code: 'encoding', file: display, line, column, message: `${what} (line ${line}, column ${column}, byte offset ${at}): kustomize, and so Flux, refuses the whole file`, hint: encodingHint };
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(n < 1024 * 1024 ? 2 : 1)} MiB`;

/** Line of a byte offset (1-based). */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** An anchor (`&name`) where YAML allows one: without anchors there are no aliases to expand. */
const ANCHOR = /(?:^|[\s[{,:-])&[^\s[\]{},]/m;

/**
 * Counts documents with a line scan (no parse), then, only when the text has anchors or deep
 * nesting, parses it to count aliases, their expansion and the nesting depth exactly.
 */
export function checkYamlText(text: string, display: string): { documents: number; problem?: GuardProblem } {
  let documents = 1;
  let at = 0;
  for (let i = text.startsWith('---') ? 0 : text.indexOf('\n---'); i >= 0; i = text.indexOf('\n---', i + 1)) {
    if (i === 0 && at === 0 && text.startsWith('---')) {
      at = 1;
      continue; // a leading separator opens the first document
    }
    documents++;
    if (documents > LIMITS.documentsPerFile) {
      return { documents, problem: { code: 'limit', file: display, line: lineOf(text, i + 1), message: `more than ${LIMITS.documentsPerFile} YAML documents in one file`, hint: limitHint } };
    }
  }
  if (!ANCHOR.test(text) && !deepByScan(text)) return { documents };
  let parsed;
  try {
    parsed = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: false });
  } catch (e) {
    if (e instanceof RangeError) return { documents, problem: { code: 'limit', file: display, message: `nesting deeper than ${LIMITS.depth} levels`, hint: limitHint } };
    throw e;
  }
  const list = Array.isArray(parsed) ? parsed : [];
  let aliases = 0;
  for (const doc of list) {
    const anchors = new Map<string, Node>();
    const sizes = new Map<Node, number>();
    let problem: GuardProblem | undefined;
    const fail = (node: Node | undefined, message: string): number => {
      const offset = node?.range?.[0];
      problem ??= { code: 'limit', file: display, ...(offset !== undefined ? { line: lineOf(text, offset) } : {}), message, hint: limitHint };
      return Infinity;
    };
    // Nodes after expanding aliases, memoised per node: linear in the file, whatever the expansion.
    const size = (node: unknown, depth: number): number => {
      if (problem) return Infinity;
      if (depth > LIMITS.depth) return fail(node as Node, `nesting deeper than ${LIMITS.depth} levels`);
      if (isAlias(node)) {
        if (++aliases > LIMITS.aliases) return fail(node, `more than ${LIMITS.aliases} YAML aliases in one file`);
        const target = anchors.get(node.source);
        return target ? (sizes.get(target) ?? 1) : 1;
      }
      let n = 1;
      if (isCollection(node)) {
        for (const item of node.items) {
          if (isPair(item)) n += size(item.key, depth + 1) + size(item.value, depth + 1);
          else n += size(item, depth + 1);
          if (n > LIMITS.expandedNodes) return fail(node, `a document expands to more than ${LIMITS.expandedNodes} nodes through YAML aliases (a "billion laughs" file)`);
        }
      } else if (!isScalar(node)) return 0;
      const anchor = (node as { anchor?: string }).anchor;
      if (anchor) anchors.set(anchor, node as Node);
      sizes.set(node as Node, n);
      return n;
    };
    try {
      const total = size(doc.contents, 0);
      if (!problem && total > LIMITS.expandedNodes) fail(doc.contents ?? undefined, `a document expands to more than ${LIMITS.expandedNodes} nodes through YAML aliases (a "billion laughs" file)`);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      fail(doc.contents ?? undefined, `nesting deeper than ${LIMITS.depth} levels`);
    }
    if (problem) return { documents, problem };
  }
  return { documents };
}

/** Cheap over-estimate of nesting: flow brackets opened, or indentation beyond what the depth limit allows. */
function deepByScan(text: string): boolean {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 || c === 123) {
      if (++depth > max) max = depth;
    } else if (c === 93 || c === 125) depth = Math.max(0, depth - 1);
    else if (c === 10) {
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) === 32) j++;
      if (j - i - 1 > LIMITS.depth) return true;
    }
  }
  return max > LIMITS.depth / 2;
}
