import { createServer, request as forward } from 'node:http';
import type { ApiDouble, MergeHandler } from './api-double.ts';
import { git, listBranches, type BareOrigin, type GitRepo } from './git.ts';

/**
 * The git side of the API double, for code that pushes from its own process (a bundled action, a
 * Flux controller, the e2e): GitHub knows a branch as soon as it is pushed and merges a pull
 * request in git; the double alone knows only what it is told.
 */

export interface BranchSyncProxy {
  /** Use as GITHUB_API_URL / the Octokit base URL. */
  url: string;
  close: () => Promise<void>;
}

/** A loopback proxy that copies `origin`'s branches into the double before forwarding each request to it. */
export async function startBranchSyncProxy(double: ApiDouble, origin: GitRepo | BareOrigin, fullName: string): Promise<BranchSyncProxy> {
  const target = new URL(double.url);
  const server = createServer((req, res) => {
    req.pause();
    void listBranches(origin).then((branches) => {
      for (const [branch, sha] of Object.entries(branches)) double.setBranch(fullName, branch, sha);
      const upstream = forward({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      });
      upstream.on('error', (error) => res.writeHead(502).end(String(error)));
      req.pipe(upstream);
      req.resume();
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/**
 * A merge made in the bare `origin` itself, as GitHub's merge button makes it: a two-parent merge
 * commit of the PR head into the base's current tip (`git merge-tree --write-tree`, no working
 * tree), the base ref moved only if it still is that tip. Conflicts refuse the merge.
 */
export function mergeOnOrigin(origin: GitRepo | BareOrigin): MergeHandler {
  return async (pull) => {
    const base = await git(origin.path, ['rev-parse', '--verify', `refs/heads/${pull.base}^{commit}`]);
    const tree = await git(origin.path, ['merge-tree', '--write-tree', base, pull.headSha]);
    const message = `Merge pull request #${pull.number} from ${pull.head}\n\n${pull.title}`;
    const commit = await git(origin.path, ['commit-tree', tree.split('\n')[0]!, '-p', base, '-p', pull.headSha, '-m', message]);
    await git(origin.path, ['update-ref', `refs/heads/${pull.base}`, commit, base]);
    return commit;
  };
}
