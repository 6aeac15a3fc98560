import { existsSync } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { YamlSource, DefinitionErrors, type DefinitionError } from '@carbon/platform';
import type { PathFilter } from './fields.ts';
import type { K8sObject } from './types.ts';

export const CONFIG_FILE = 'platform/diff.yaml';

export interface IgnoreRules {
  /**
   * Field path globs (picomatch over the path's segments): `*` matches within one segment, `**` (a
   * whole segment) across segments, `?` one character, `{a,b}` either; `[...]` is the path's own
   * list selector (`containers[name=app]`, `[0]`), matched literally (with `*` inside), never a
   * character class. E.g. `status`, `metadata.annotations`, `spec.template.spec.containers[*].image`.
   */
  paths: string[];
  /** Annotation key globs, ignored on the object and in pod templates. */
  annotations: string[];
  /** Label key globs, ignored in `labels` maps (never in selectors, which are immutable). */
  labels: string[];
}

export interface DiffConfig {
  ignore: IgnoreRules;
  /** An identical change on at least this many resources becomes one "repeated change" line. */
  collapseThreshold: number;
  /** A removed and an added object of the same kind and namespace this similar (0–1) are shown as a rename. */
  renameSimilarity: number;
}

/** Defaults when the repository has no platform/diff.yaml (it is merged over these, list by list). */
export const DEFAULT_CONFIG: DiffConfig = {
  ignore: {
    paths: ['status', 'metadata.generation', 'metadata.resourceVersion', 'metadata.uid', 'metadata.creationTimestamp', 'metadata.managedFields'],
    annotations: ['kubectl.kubernetes.io/last-applied-configuration', 'deployment.kubernetes.io/revision', 'kustomize.toolkit.fluxcd.io/checksum', 'config.kubernetes.io/origin'],
    labels: ['helm.sh/chart', 'kustomize.toolkit.fluxcd.io/name', 'kustomize.toolkit.fluxcd.io/namespace'],
  },
  collapseThreshold: 3,
  renameSimilarity: 0.9,
};

/** Reads platform/diff.yaml from `root` (the revision being compared, or the repo); errors point at file and field. */
export function loadDiffConfig(root: string): DiffConfig {
  const abs = join(root, CONFIG_FILE);
  if (!existsSync(abs)) return DEFAULT_CONFIG;
  return parseDiffConfig(YamlSource.read(abs, CONFIG_FILE));
}

export function parseDiffConfig(src: YamlSource): DiffConfig {
  const raw = (src.toJS() ?? {}) as Record<string, any>;
  const errors: DefinitionError[] = [];
  const list = (field: string, v: unknown, fallback: string[]): string[] => {
    if (v === undefined) return fallback;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x !== '')) {
      errors.push(src.error(field, 'must be a list of non-empty strings'));
      return fallback;
    }
    return v;
  };
  const num = (field: string, v: unknown, fallback: number, min: number, max: number): number => {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || v < min || v > max) {
      errors.push(src.error(field, `must be a number from ${min} to ${max}`));
      return fallback;
    }
    return v;
  };
  if (raw.apiVersion !== undefined && raw.apiVersion !== 'platform.254carbon.com/v1alpha1') errors.push(src.error('apiVersion', 'must be platform.254carbon.com/v1alpha1'));
  if (raw.kind !== undefined && raw.kind !== 'DiffSettings') errors.push(src.error('kind', 'must be DiffSettings'));
  for (const k of Object.keys(raw)) if (!['apiVersion', 'kind', 'ignore', 'collapseThreshold', 'renameSimilarity'].includes(k)) errors.push(src.error(k, `unknown setting "${k}"`, 'known: ignore, collapseThreshold, renameSimilarity'));
  const ig = (raw.ignore ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(ig)) if (!['paths', 'annotations', 'labels'].includes(k)) errors.push(src.error(`ignore.${k}`, `unknown ignore list "${k}"`, 'known: paths, annotations, labels'));
  const config: DiffConfig = {
    ignore: {
      paths: list('ignore.paths', ig.paths, DEFAULT_CONFIG.ignore.paths),
      annotations: list('ignore.annotations', ig.annotations, DEFAULT_CONFIG.ignore.annotations),
      labels: list('ignore.labels', ig.labels, DEFAULT_CONFIG.ignore.labels),
    },
    collapseThreshold: num('collapseThreshold', raw.collapseThreshold, DEFAULT_CONFIG.collapseThreshold, 2, 1000),
    renameSimilarity: num('renameSimilarity', raw.renameSimilarity, DEFAULT_CONFIG.renameSimilarity, 0.5, 1),
  };
  if (errors.length) throw new DefinitionErrors(errors);
  return config;
}

/**
 * A field path's segments: split at the dots between fields, not at dots inside a `[...]` list
 * selector (`[name=a.b]`), a quoted key (`["helm.sh/chart"]`) or a glob's `{a,b}`.
 */
export function pathSegments(path: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < path.length; i++) {
    const ch = path[i]!;
    if (quoted) {
      if (ch === '\\') current += path[i++] ?? '';
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '[' || ch === '{') depth++;
    else if ((ch === ']' || ch === '}') && depth > 0) depth--;
    else if (ch === '.' && depth === 0) {
      out.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  out.push(current);
  return out;
}

/** Stands for a '/' inside a segment (a key like `checksum/config`): picomatch's separator is ours. */
const SLASH = '\uE000';
const PICO = { dot: true, windows: false, nonegate: true, noextglob: true } as const;

/** A path as picomatch sees it: its segments joined with '/'. */
const asPosix = (path: string) => pathSegments(path).map((s) => s.replaceAll('/', SLASH)).join('/');

/**
 * A field path glob → a matcher over paths. Each segment keeps `*`, `?` and `{a,b}` as glob syntax;
 * `[`, `]`, `(`, `)`, `"` (picomatch quotes a literal with it) and `\` are escaped, so `[name=x]` is
 * the path's list selector, not a character class, and `["checksum/*"]` a quoted key whose `*` is a glob.
 */
function pathMatcher(glob: string): (path: string) => boolean {
  const pattern = pathSegments(glob)
    .map((seg) => (seg === '**' ? seg : seg.replaceAll('/', SLASH).replace(/[[\]()"\\]/g, '\\$&')))
    .join('/');
  const test = picomatch(pattern, PICO);
  return (path) => test(asPosix(path));
}

/** An annotation or label key glob: picomatch as written, `/` separating the prefix from the name (`checksum/*`). */
const keyMatcher = (glob: string): ((key: string) => boolean) => picomatch(glob, PICO);

/** Path filter for one resource; matched against the path and each of its prefixes (so `status` drops `status.x.y`). */
export function ignoreFilter(rules: IgnoreRules): PathFilter {
  const paths = rules.paths.map(pathMatcher);
  const annotations = rules.annotations.map(keyMatcher);
  const labels = rules.labels.map(keyMatcher);
  return (path) => {
    if (paths.some((test) => test(path))) return true;
    const m = /(^|\.)(annotations|labels)\["([^"]+)"\]$|(^|\.)(annotations|labels)\.([A-Za-z_$][\w$-]*)$/.exec(path);
    if (!m) return false;
    const which = m[2] ?? m[5];
    const key = m[3] ?? m[6]!;
    if (/selector/i.test(path)) return false;
    return (which === 'annotations' ? annotations : labels).some((test) => test(key));
  };
}

/** Drops ignored annotations/labels from an object before it is hashed for rename similarity. */
export function stripIgnored(o: K8sObject, filter: PathFilter): K8sObject {
  const meta = { ...o.metadata };
  for (const field of ['annotations', 'labels'] as const) {
    const m = meta[field];
    if (!m) continue;
    const kept = Object.fromEntries(Object.entries(m).filter(([k]) => !filter(`metadata.${field}[${JSON.stringify(k)}]`) && !filter(`metadata.${field}.${k}`)));
    meta[field] = kept;
  }
  return { ...o, metadata: meta };
}
