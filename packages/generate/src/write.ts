import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { isGenerated } from './yaml-out.ts';
import type { FileMap } from './render.ts';

export interface TreeDelta {
  /** files whose content would change (or are missing) */
  changed: string[];
  /** generated files on disk that the sources no longer produce */
  removed: string[];
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** Folders whose generated files belong to the generator (hand-written files there are left alone). */
export function ownedDirs(root: string, services: string[] | 'all', clusters: string[]): string[] {
  const apps = services === 'all' ? (existsSync(join(root, 'apps')) ? readdirSync(join(root, 'apps')) : []) : services;
  const dirs = apps.map((s) => `apps/${s}/deploy`);
  if (services === 'all') for (const c of clusters) dirs.push(`clusters/${c}`);
  return dirs;
}

export function compareTree(root: string, files: FileMap, owned: string[]): TreeDelta {
  const changed: string[] = [];
  for (const [path, text] of files) {
    const abs = join(root, path);
    if (!existsSync(abs) || readFileSync(abs, 'utf8') !== text) changed.push(path);
  }
  const removed: string[] = [];
  for (const dir of owned) {
    for (const abs of walk(join(root, dir))) {
      const rel = relative(root, abs).split('\\').join('/');
      if (files.has(rel)) continue;
      if (isGenerated(readFileSync(abs, 'utf8'))) removed.push(rel);
    }
  }
  return { changed: changed.sort(), removed: removed.sort() };
}

/** Writes each changed file through a temp file + rename, so no reader ever sees half a file. */
export function applyTree(root: string, files: FileMap, delta: TreeDelta): void {
  for (const path of delta.changed) {
    const abs = join(root, path);
    mkdirSync(dirname(abs), { recursive: true });
    const tmp = `${abs}.tmp-${process.pid}`;
    writeFileSync(tmp, files.get(path)!);
    renameSync(tmp, abs);
  }
  for (const path of delta.removed) rmSync(join(root, path));
  pruneEmptyDirs(root, delta.removed);
}

function pruneEmptyDirs(root: string, removed: string[]): void {
  const dirs = [...new Set(removed.map((p) => dirname(join(root, p))))].sort((a, b) => b.length - a.length);
  for (const d of dirs) {
    let cur = d;
    while (cur.startsWith(root) && cur !== root && existsSync(cur) && readdirSync(cur).length === 0) {
      rmSync(cur, { recursive: true });
      cur = dirname(cur);
    }
  }
}
