import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function findRoot(from: string): string {
  let dir = from;
  while (!(existsSync(join(dir, 'turbo.json')) && existsSync(join(dir, 'apps')))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no repository root above ${from}`);
    dir = up;
  }
  return dir;
}
