import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderCacheFor, type RenderCache } from '@carbon/render';
import { UsageError } from './io.ts';

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
