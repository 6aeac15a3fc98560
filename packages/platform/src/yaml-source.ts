import { lstatSync, readFileSync } from 'node:fs';
import { LineCounter, parseAllDocuments, parseDocument, isMap, isSeq, type Document, type Node } from 'yaml';
import { DefinitionError } from './errors.ts';

/**
 * A parsed YAML file that can answer "which line is this field on", so errors in hand-written
 * YAML (cluster facts, pins, promotion config) point at file:line.
 */
export class YamlSource {
  private readonly lines = new LineCounter();
  readonly doc: Document;

  constructor(
    readonly file: string,
    text: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: false });
    const first = this.doc.errors[0];
    if (first) {
      const pos = first.linePos?.[0];
      throw new DefinitionError({
        file,
        field: '',
        message: `invalid YAML: ${first.message.split('\n')[0]}`,
        hint: 'fix the YAML syntax',
        ...(pos ? { line: pos.line } : {}),
      });
    }
  }

  /**
   * Reads a hand-written platform file (cluster facts, pins, policy, diff config). Pull requests
   * can commit symlinks: such a file must be a regular file of at most 8 MiB, never a link (a link
   * to /proc/self/environ or /dev/zero is refused without being opened).
   */
  static read(file: string, displayName = file): YamlSource {
    let text: string;
    try {
      const st = lstatSync(file);
      if (st.isSymbolicLink()) throw new DefinitionError({ file: displayName, field: '', message: 'is a symbolic link: platform files are read only as regular files in the repository', hint: 'replace the link with the file itself' });
      if (!st.isFile()) throw new DefinitionError({ file: displayName, field: '', message: 'is not a regular file', hint: 'replace it with a YAML file' });
      if (st.size > 8 * 1024 * 1024) throw new DefinitionError({ file: displayName, field: '', message: `is ${(st.size / 1024 / 1024).toFixed(1)} MiB, over the 8 MiB limit for a platform file`, hint: 'this file holds facts, not data' });
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if (e instanceof DefinitionError) throw e;
      throw new DefinitionError({ file: displayName, field: '', message: `cannot read: ${(e as Error).message}` });
    }
    return new YamlSource(displayName, text);
  }

  toJS(): unknown {
    return this.doc.toJS();
  }

  /** 1-based line of the node at a dotted path like "spec.nodes.0.allocatable.cpu" (nearest existing parent). */
  lineOf(path: string): number | undefined {
    const parts = path === '' ? [] : path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    let node: unknown = this.doc.contents;
    let best = node as Node | null;
    for (const part of parts) {
      if (isMap(node)) {
        const pair = node.items.find((it) => (it.key as { value?: unknown } | null)?.value === part);
        if (!pair) break;
        best = (pair.key as Node) ?? best;
        node = pair.value;
      } else if (isSeq(node) && typeof part === 'number') {
        node = node.items[part];
        if (!node) break;
        best = node as Node;
      } else break;
    }
    const offset = best?.range?.[0];
    return offset === undefined ? undefined : this.lines.linePos(offset).line;
  }

  error(field: string, message: string, hint?: string): DefinitionError {
    const line = this.lineOf(field);
    return new DefinitionError({ file: this.file, field, message, ...(hint ? { hint } : {}), ...(line ? { line } : {}) });
  }
}

/** Parses a multi-document YAML string; duplicate keys and syntax errors are errors with a line. */
export function parseYamlDocuments(text: string, file: string): unknown[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true });
  if (!Array.isArray(docs)) {
    throw new DefinitionError({ file, field: '', message: 'not a YAML stream' });
  }
  const out: unknown[] = [];
  for (const d of docs) {
    const err = d.errors[0];
    if (err) {
      const line = err.linePos?.[0]?.line;
      throw new DefinitionError({ file, field: '', message: `invalid YAML: ${err.message.split('\n')[0]}`, ...(line ? { line } : {}) });
    }
    const js = d.toJS();
    if (js !== null && js !== undefined) out.push(js);
  }
  return out;
}
