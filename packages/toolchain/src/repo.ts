import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export class RepoRootNotFoundError extends Error {
  override readonly name = 'RepoRootNotFoundError';
  constructor(readonly from: string) {
    super(`no repo root above ${from}: looked for a folder holding turbo.json and a package.json with "workspaces"`);
  }
}

/** Walks up from `from` to the folder that holds `turbo.json` and a workspaces `package.json`. */
export function findRepoRoot(from: string = process.cwd()): string {
  let dir = resolve(from);
  for (;;) {
    if (isRepoRoot(dir)) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new RepoRootNotFoundError(from);
    dir = parent;
  }
}

function isRepoRoot(dir: string): boolean {
  const manifest = join(dir, 'package.json');
  if (!existsSync(join(dir, 'turbo.json')) || !existsSync(manifest)) return false;
  try {
    const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { workspaces?: unknown };
    return parsed.workspaces !== undefined;
  } catch {
    return false;
  }
}

/** Everything setup installs or generates lives here (gitignored). */
export const toolsDir = (root: string): string => join(root, '.tools');
export const toolBinDir = (root: string): string => join(toolsDir(root), 'bin');
export const goModCacheDir = (root: string): string => join(toolsDir(root), 'gomod');
/** The committed Go module whose go.sum pins every source zip. */
export const sourcesModuleDir = (root: string): string => join(root, 'packages', 'toolchain', 'go');
/** The committed wrapper Go module of one e2e component family (go.mod + go.sum). */
export const e2eModuleDir = (root: string, family: string): string => join(root, 'packages', 'toolchain', 'e2e', family);
