import { parseYamlFast } from './fast-yaml.ts';
import type { ManifestObject, Position } from './yaml.ts';

/**
 * Cheap views of YAML that avoid parsing what nobody reads. The repo's rendering is ~14 MB,
 * 95% of it CRD schemas that only kubeconform needs: parsing those eagerly costs more than every
 * check together. So:
 *  - kustomize output is split into documents and each document into its top-level keys; a key's
 *    value is parsed on first access (a getter that replaces itself with the value);
 *  - source files are scanned line by line for kind/name/namespace (to map objects to file:line);
 *    the full syntax tree is built only when a finding asks for a field's position.
 * Values are parsed with `parseYamlFast` (js-yaml with `yaml`'s core schema, `yaml` as fallback).
 */

const TOP_KEY = /^([A-Za-z_][\w.\-/]*):(?:\s|$)/;
/** A `---` line (anything after a blank on it is a comment or directive end); `[^\S\n]` keeps it on one line. */
const DOC_SEP = /^---(?:[^\S\n][^\n]*)?$/gm;
/** A line whose first non-blank character is not `#`: the document has content. */
const CONTENT = /^\s*[^\s#]/m;

/** Splits a multi-document YAML stream into document texts (separator lines dropped). */
export function splitDocuments(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (const m of text.matchAll(DOC_SEP)) {
    out.push(text.slice(start, Math.max(start, m.index - 1)));
    start = m.index + m[0].length + 1;
  }
  out.push(text.slice(start));
  return out.filter((d) => CONTENT.test(d));
}

/** Document text of objects made by `lazyObject`/`parseManifestStream`, while no top-level key was assigned. */
const sourceTexts = new WeakMap<object, string>();

/**
 * The exact YAML text an object was parsed from (by `lazyObject` or `parseManifestStream`), or
 * undefined. Two objects with the same text are equal without parsing either: `@carbon/diff`
 * skips documents that are byte-identical at base and head. Assigning a top-level key forgets
 * the text; the objects are read-only otherwise (nothing in render, validate or diff writes them).
 */
export function documentText(o: unknown): string | undefined {
  return o && typeof o === 'object' ? sourceTexts.get(o) : undefined;
}

/**
 * An object whose top-level values are parsed on first access. Falls back to a full parse when
 * the document is not in the block style kustomize writes (a top-level line that is not `key:`).
 */
export function lazyObject(doc: string): ManifestObject {
  const blocks: { key: string; start: number; end: number }[] = [];
  // Line by line with indexOf: a multiline /^…/gm scan over a 14 MB rendering costs ~4× more.
  for (let at = 0; at < doc.length; ) {
    const eol = doc.indexOf('\n', at);
    const c = doc.charCodeAt(at);
    if (c !== 32 && c !== 9 && c !== 35 && c !== 10) {
      const key = TOP_KEY.exec(doc.slice(at, eol < 0 ? doc.length : eol));
      if (!key) {
        const parsed = parseYamlFast(doc) as ManifestObject;
        if (parsed && typeof parsed === 'object') sourceTexts.set(parsed, doc);
        return parsed;
      }
      if (blocks.length) blocks[blocks.length - 1]!.end = at - 1;
      blocks.push({ key: key[1]!, start: at, end: doc.length });
    }
    if (eol < 0) break;
    at = eol + 1;
  }
  const o: Record<string, unknown> = {};
  for (const b of blocks) {
    const text = doc.slice(b.start, b.end);
    Object.defineProperty(o, b.key, {
      enumerable: true,
      configurable: true,
      get() {
        const value = plainWord(text, b.key) ?? (parseYamlFast(text) as Record<string, unknown> | null)?.[b.key];
        Object.defineProperty(o, b.key, { value, enumerable: true, writable: true, configurable: true });
        return value;
      },
      set(value: unknown) {
        sourceTexts.delete(o);
        Object.defineProperty(o, b.key, { value, enumerable: true, writable: true, configurable: true });
      },
    });
  }
  sourceTexts.set(o, doc);
  return o as ManifestObject;
}

/**
 * `kind: Deployment`, `apiVersion: apps/v1`: a one-line block whose value is a plain word starting
 * with a letter. The core schema reads such a word as a string unless it is a bool or null (it
 * cannot be a number: those start with a digit, a sign or a dot), so no parser is needed.
 */
const PLAIN_WORD = /^[A-Za-z][A-Za-z0-9._/-]*$/;
const NOT_STRING = new Set(['true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'null', 'Null', 'NULL']);

function plainWord(text: string, key: string): string | undefined {
  // The block starts with `key:`; PLAIN_WORD rules out anything after the word (a comment, more lines).
  if (text.charCodeAt(key.length) !== 58 || text.charCodeAt(key.length + 1) !== 32) return undefined;
  const value = text.slice(key.length + 2);
  return PLAIN_WORD.test(value) && !NOT_STRING.has(value) ? value : undefined;
}

/** A multi-document stream of machine-written YAML (kustomize output, a rendering) → objects, parsed lazily and fast. */
export function parseManifestStream(text: string): ManifestObject[] {
  return splitDocuments(text).map(lazyObject);
}

export type ScannedDoc = { kind?: string; name?: string; namespace?: string; position: Position };

const scalar = (v: string) => v.trim().replace(/^(['"])(.*)\1$/, '$2');

/**
 * kind, metadata.name/namespace and the first line of each document, read line by line.
 * `complete` is false when a document hides them in a form the scan does not read (flow style).
 */
export function scanDocuments(text: string): { docs: ScannedDoc[]; complete: boolean } {
  const lines = text.split('\n');
  const docs: ScannedDoc[] = [];
  let complete = true;
  let start = 0;
  const flush = (from: number, to: number) => {
    let first = -1;
    let inMeta = false;
    const d: ScannedDoc = { position: { line: 0, column: 1 } };
    for (let i = from; i < to; i++) {
      const l = lines[i]!;
      if (first < 0 && l.trim() && !l.trimStart().startsWith('#')) first = i;
      if (/^\S/.test(l)) inMeta = /^metadata:\s*$/.test(l);
      if (l.startsWith('kind:')) d.kind = scalar(l.slice(5));
      else if (l.startsWith('metadata:') && !inMeta) complete = false;
      else if (inMeta) {
        const m = /^ {2}(name|namespace):\s*(\S.*)$/.exec(l);
        if (m) d[m[1] as 'name' | 'namespace'] = scalar(m[2]!);
      }
    }
    if (first < 0) return;
    d.position = { line: first + 1, column: 1 };
    if (!d.kind || !d.name) complete = false;
    docs.push(d);
  };
  for (let i = 0; i < lines.length; i++) {
    if (DOC_SEP.test(lines[i]!)) {
      flush(start, i);
      start = i + 1;
    }
  }
  flush(start, lines.length);
  return { docs, complete };
}
