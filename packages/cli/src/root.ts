import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
