import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';

/** A Kubernetes-shaped object as it comes out of YAML. */
export type ManifestObject = {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  [key: string]: unknown;
};

export type Position = { line: number; column: number };

/** One YAML document of a file, kept with its syntax tree so any field can be located later. */
export type SourceDoc = {
  file: string;
  documentIndex: number;
  object: ManifestObject;
  /** Where the document starts (its first key). */
  position: Position;
  locate: (path: readonly (string | number)[]) => Position | undefined;
};

/** A located problem in YAML text (syntax, duplicate key). */
export type YamlProblem = { file: string; line?: number; column?: number; message: string };

export type ParsedFile = { docs: SourceDoc[]; problems: YamlProblem[] };

/**
 * Parses every document of a file with duplicate keys as errors. Each document keeps its tree so a
 * finding on `spec.template.spec.containers.0.image` can name the exact line and column.
 */
export function parseYamlFile(text: string, file: string): ParsedFile {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const problems: YamlProblem[] = [];
  const out: SourceDoc[] = [];
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((d: Document.Parsed, i) => {
    for (const err of d.errors) {
      const pos = opening(text, err.message, err.linePos?.[0] ?? (err.pos ? lines.linePos(err.pos[0]) : undefined));
      const dup = /Map keys must be unique/i.test(err.message);
      const msg = err.message.split('\n')[0] ?? err.message;
      problems.push({ file, ...(pos ? { line: pos.line, column: pos.col } : {}), message: dup ? `duplicate key: ${msg}` : `invalid YAML: ${msg}` });
    }
    if (d.errors.length) return;
    let js: unknown;
    try {
      js = d.toJS({ maxAliasCount: 100 }) as unknown;
    } catch (e) {
      // `yaml` refuses a document whose aliases expand too much (a "billion laughs"): a located input error, not a crash.
      const pos = d.contents?.range ? lines.linePos(d.contents.range[0]) : undefined;
      problems.push({ file, ...(pos ? { line: pos.line, column: pos.col } : {}), message: `invalid YAML: ${/alias/i.test((e as Error).message) ? 'YAML aliases expand too much (a "billion laughs" document)' : (e as Error).message.split('\n')[0]}` });
      return;
    }
    if (js === null || js === undefined) return;
    if (typeof js !== 'object' || Array.isArray(js)) {
      const pos = d.contents?.range ? lines.linePos(d.contents.range[0]) : undefined;
      problems.push({ file, ...(pos ? { line: pos.line, column: pos.col } : {}), message: 'document is not a mapping (a Kubernetes object is a YAML map with apiVersion and kind)' });
      return;
    }
    const start = d.contents?.range?.[0] ?? 0;
    const sp = lines.linePos(start);
    out.push({
      file,
      documentIndex: i,
      object: js as ManifestObject,
      position: { line: sp.line, column: sp.col },
      locate: (path) => {
        const node = nodeAt(d.contents as Node | null, path);
        if (!node?.range) return undefined;
        const p = lines.linePos(node.range[0]);
        return { line: p.line, column: p.col };
      },
    });
  });
  return { docs: out, problems };
}

/** The deepest existing node along a path: the key node of the last map entry found, or a list item. */
function nodeAt(root: Node | null, path: readonly (string | number)[]): Node | null {
  let node: unknown = root;
  let best: Node | null = root;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => isScalar(it.key) && String(it.key.value) === String(part));
      if (!pair) break;
      best = (pair.key as Node) ?? best;
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      const item = node.items[part];
      if (!item) break;
      best = item as Node;
      node = item;
    } else break;
  }
  return best;
}

/** Fast multi-document parse of tool output (kustomize build): objects only, first problem reported. */
export function parseStream(text: string, file: string): { objects: ManifestObject[]; problems: YamlProblem[] } {
  const parsed = parseYamlFile(text, file);
  return { objects: parsed.docs.map((d) => d.object), problems: parsed.problems };
}

/**
 * An unclosed quote or flow collection is reported by the parser where the file ends; point at
 * the line that opened it instead (the last line before with an unbalanced quote or bracket).
 */
function opening(text: string, message: string, at: { line: number; col: number } | undefined): { line: number; col: number } | undefined {
  if (!at) return at;
  const pair = /closing "quote/.test(message) ? ['"', '"'] : /closing '?quote/.test(message) ? ["'", "'"] : /end with a \]|Flow sequence/.test(message) ? ['[', ']'] : /end with a \}|Flow map/.test(message) ? ['{', '}'] : undefined;
  if (!pair) return at;
  const lines = text.split('\n').slice(0, at.line);
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!;
    const opens = l.split(pair[0]!).length - 1;
    const closes = pair[0] === pair[1] ? 0 : l.split(pair[1]!).length - 1;
    const unbalanced = pair[0] === pair[1] ? opens % 2 === 1 : opens > closes;
    if (unbalanced) return { line: i + 1, col: l.indexOf(pair[0]!) + 1 };
  }
  return at;
}
