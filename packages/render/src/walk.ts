import { readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

export type WalkOptions = {
  /** Entries counted before the walk stops: bounded whatever the tree holds. */
  maxEntries: number;
  /** Which entries count toward `maxEntries` (default: every entry). */
  counts?: (entry: Dirent) => boolean;
  /** Names neither visited nor descended into (e.g. dot folders). */
  skip?: (name: string) => boolean;
};

/**
 * The one bounded walk of a folder tree (cluster discovery, "does this folder hold manifests",
 * charts' symlinks): depth first, each folder's entries in name order, unreadable folders skipped,
 * symbolic links visited but never followed. `visit` gets each entry's absolute path, the entry
 * and its folder, and returns true to stop the walk. Returns true when `visit` stopped it.
 */
export function walkTree(root: string, options: WalkOptions, visit: (path: string, entry: Dirent, dir: string) => boolean | void): boolean {
  const counts = options.counts ?? (() => true);
  let seen = 0;
  const stack: { path: string; entry: Dirent; dir: string }[] = [];
  const push = (dir: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    // Descending onto the stack, so entries are visited in ascending name order.
    for (const entry of entries.sort((a, b) => (a.name < b.name ? 1 : -1))) if (!options.skip?.(entry.name)) stack.push({ path: join(dir, entry.name), entry, dir });
  };
  push(root);
  while (stack.length) {
    const { path, entry, dir } = stack.pop()!;
    if (counts(entry) && ++seen > options.maxEntries) return false;
    if (visit(path, entry, dir) === true) return true;
    if (entry.isDirectory()) push(path);
  }
  return false;
}
