import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadServices } from '@carbon/generate';
import { renderCacheFor, type RenderCache } from '@carbon/render';
import type { Definitions } from '@carbon/validate';
import { UsageError, type Io } from './io.ts';

/** The repository root: the nearest folder up from cwd with turbo.json and a workspaces package.json. */
export function repoRoot(from: string): string {
  let dir = from;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(join(dir, 'turbo.json')) && existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).workspaces) return dir;
    const up = dirname(dir);
    if (up === dir) throw new UsageError(`not inside the platform repository (no turbo.json + package.json with workspaces above ${from})`);
    dir = up;
  }
}

/**
 * `{ cache }` for commands that render: $PLATFORM_RENDER_CACHE, else `<repo>/.cache/render` (kept
 * between runs, git-ignored); `{}` when PLATFORM_RENDER_CACHE=off.
 */
export function renderCache(root: string): { cache?: RenderCache } {
  const cache = renderCacheFor(join(root, '.cache', 'render'));
  return cache ? { cache } : {};
}

/** `{ charts }` for commands that render HelmReleases: $PLATFORM_CHART_CACHE, else `<repo>/.cache/charts`; `--fetch-charts` fills it. */
export function chartOptions(root: string, fetch: boolean | undefined): { charts: { cacheDir: string; fetch: boolean } } {
  return { charts: { cacheDir: process.env.PLATFORM_CHART_CACHE || join(root, '.cache', 'charts'), fetch: Boolean(fetch) } };
}

/**
 * `{ definitions }` for validate's NET007 (both sides of each network rule): this repository's
 * apps/<name>/src/service.ts. Only the platform repository's own definitions are imported (never
 * code under another --path); a definition that does not load leaves NET007 out with a note
 * (`platform generate` reports the error itself).
 */
export async function definitionsOption(root: string, path: string, io: Pick<Io, 'err'>): Promise<{ definitions?: Definitions }> {
  if (path !== root) return {};
  try {
    return { definitions: await loadServices(root) };
  } catch {
    io.err('note: a service definition does not load, so NET007 (network rules on both sides) was not checked: `npx platform generate` shows the error\n');
    return {};
  }
}
