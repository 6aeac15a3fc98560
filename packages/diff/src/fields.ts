import type { FieldChange, ShownValue } from './types.ts';

/**
 * Field-level comparison of two JSON trees. Lists of objects are matched by their natural key
 * (the first of NATURAL_KEYS that every element has, uniquely), so reordering is not a change;
 * other object lists are matched by content first, then by position. Scalar lists compare as
 * sets except where order is meaning (command/args).
 */
export const NATURAL_KEYS = ['name', 'containerPort', 'mountPath', 'devicePath', 'port', 'key', 'ip', 'topologyKey', 'type', 'host', 'path'] as const;

/** Scalar lists whose order matters. */
const ORDERED_SCALAR_LISTS = new Set(['command', 'args']);

export type PathFilter = (path: string) => boolean;

export function diffFields(before: unknown, after: unknown, ignore: PathFilter = () => false): FieldChange[] {
  const out: FieldChange[] = [];
  walk(before, after, '', '', out, ignore);
  return out;
}

function join(path: string, key: string): string {
  if (path === '') return /^[A-Za-z_$][\w$-]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObj(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Structural equality (list order counts); no strings are built, so equal trees cost one walk. */
export function sameTree(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameTree(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!sameTree((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

export function equal(a: unknown, b: unknown): boolean {
  if (sameTree(a, b)) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  return canonical(a) === canonical(b);
}

function walk(a: unknown, b: unknown, path: string, lastKey: string, out: FieldChange[], ignore: PathFilter): void {
  if (path !== '' && ignore(path)) return;
  if (sameTree(a, b)) return;
  if (a === undefined && b === undefined) return;
  if (a === undefined) {
    out.push({ path, op: 'added', after: b as ShownValue });
    return;
  }
  if (b === undefined) {
    out.push({ path, op: 'removed', before: a as ShownValue });
    return;
  }
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) walk(a[k], b[k], join(path, k), k, out, ignore);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    walkList(a, b, path, lastKey, out, ignore);
    return;
  }
  if (!equal(a, b)) out.push({ path, op: 'changed', before: a as ShownValue, after: b as ShownValue });
}

function naturalKey(a: unknown[], b: unknown[]): string | undefined {
  const all = [...a, ...b];
  if (all.length === 0 || !all.every(isObj)) return undefined;
  for (const k of NATURAL_KEYS) {
    if (!all.every((e) => isScalar((e as Record<string, unknown>)[k]))) continue;
    const unique = (list: unknown[]) => new Set(list.map((e) => String((e as Record<string, unknown>)[k]))).size === list.length;
    if (unique(a) && unique(b)) return k;
  }
  return undefined;
}

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function walkList(a: unknown[], b: unknown[], path: string, lastKey: string, out: FieldChange[], ignore: PathFilter): void {
  const key = naturalKey(a, b);
  if (key) {
    const byKey = (list: unknown[]) => new Map(list.map((e) => [String((e as Record<string, unknown>)[key]), e]));
    const am = byKey(a);
    const bm = byKey(b);
    const order = [...new Set([...bm.keys(), ...am.keys()])];
    for (const k of order) walk(am.get(k), bm.get(k), `${path}[${key}=${k}]`, lastKey, out, ignore);
    return;
  }
  if ([...a, ...b].every((e) => isScalar(e) || e === null)) {
    if (ORDERED_SCALAR_LISTS.has(lastKey)) {
      out.push({ path, op: 'changed', before: a as ShownValue, after: b as ShownValue });
      return;
    }
    const remaining = countMap(a);
    const added: unknown[] = [];
    for (const v of b) {
      const c = remaining.get(canonical(v)) ?? 0;
      if (c > 0) remaining.set(canonical(v), c - 1);
      else added.push(v);
    }
    const removed = a.filter((v) => {
      const c = remaining.get(canonical(v)) ?? 0;
      if (c > 0) {
        remaining.set(canonical(v), c - 1);
        return true;
      }
      return false;
    });
    for (const v of removed) out.push({ path: `${path}[-]`, op: 'removed', before: v as ShownValue });
    for (const v of added) out.push({ path: `${path}[+]`, op: 'added', after: v as ShownValue });
    return;
  }
  // Unkeyed object lists (RBAC rules, NetworkPolicy peers): identical elements match wherever they
  // are; what is left pairs up by position.
  const unmatchedA: number[] = [];
  const pool = new Map<string, number[]>();
  b.forEach((e, i) => {
    const c = canonical(e);
    pool.set(c, [...(pool.get(c) ?? []), i]);
  });
  a.forEach((e, i) => {
    const hits = pool.get(canonical(e));
    if (hits && hits.length > 0) hits.shift();
    else unmatchedA.push(i);
  });
  const unmatchedB = [...pool.values()].flat().sort((x, y) => x - y);
  const n = Math.max(unmatchedA.length, unmatchedB.length);
  for (let i = 0; i < n; i++) {
    const ia = unmatchedA[i];
    const ib = unmatchedB[i];
    const label = ib !== undefined ? ib : ia!;
    walk(ia === undefined ? undefined : a[ia], ib === undefined ? undefined : b[ib], `${path}[${label}]`, lastKey, out, ignore);
  }
}

function countMap(list: unknown[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of list) m.set(canonical(v), (m.get(canonical(v)) ?? 0) + 1);
  return m;
}
