import { parse } from 'yaml';
import type { ManifestObject, Position } from './yaml.ts';

/**
 * Cheap views of YAML that avoid parsing what nobody reads. The repo's rendering is ~14 MB,
 * 95% of it CRD schemas that only kubeconform needs: parsing those eagerly costs more than every
 * check together. So:
 *  - kustomize output is split into documents and each document into its top-level keys; a key's
 *    value is parsed on first access (a getter that replaces itself with the value);
 *  - source files are scanned line by line for kind/name/namespace (to map objects to file:line);
 *    the full syntax tree is built only when a finding asks for a field's position.
 */

const TOP_KEY = /^([A-Za-z_][\w.\-/]*):(?:\s|$)/;
const DOC_SEP = /^---(?:\s.*)?$/;

/** Splits a multi-document YAML stream into document texts (separator lines dropped). */
export function splitDocuments(text: string): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  for (const line of text.split('\n')) {
    if (DOC_SEP.test(line)) {
      out.push(cur.join('\n'));
      cur = [];
    } else cur.push(line);
  }
  out.push(cur.join('\n'));
  return out.filter((d) => d.split('\n').some((l) => l.trim() && !l.trimStart().startsWith('#')));
}

/**
 * An object whose top-level values are parsed on first access. Falls back to a full parse when
 * the document is not in the block style kustomize writes (a top-level line that is not `key:`).
 */
export function lazyObject(doc: string): ManifestObject {
  const lines = doc.split('\n');
  const blocks: { key: string; start: number; end: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (!l || l.startsWith(' ') || l.startsWith('#') || l.startsWith('\t')) continue;
    const m = TOP_KEY.exec(l);
    if (!m) return parse(doc) as ManifestObject;
    if (blocks.length) blocks[blocks.length - 1]!.end = i;
    blocks.push({ key: m[1]!, start: i, end: lines.length });
  }
  const o: Record<string, unknown> = {};
  for (const b of blocks) {
    const text = lines.slice(b.start, b.end).join('\n');
    Object.defineProperty(o, b.key, {
      enumerable: true,
      configurable: true,
      get() {
        const value = (parse(text) as Record<string, unknown> | null)?.[b.key];
        Object.defineProperty(o, b.key, { value, enumerable: true, writable: true, configurable: true });
        return value;
      },
      set(value: unknown) {
        Object.defineProperty(o, b.key, { value, enumerable: true, writable: true, configurable: true });
      },
    });
  }
  return o as ManifestObject;
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
