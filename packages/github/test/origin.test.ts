import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupGitRepos, cloneRepo, commitFiles, createBareOrigin, createBranch, git, mergeOnOrigin, push, startApiDouble, startBranchSyncProxy, type ApiDouble } from '../src/testing/index.ts';

/** The double's dispatch endpoint (as notification-controller calls it) and its git side (branches from origin, real merges). */

let double: ApiDouble | undefined;
afterEach(async () => {
  await double?.close();
  double = undefined;
  await cleanupGitRepos();
});

function post(url: string, path: string, body: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('API double: repository_dispatch', () => {
  it('records the body byte for byte, also under the GitHub Enterprise /api/v3 prefix go-github uses for any host but github.com', async () => {
    double = await startApiDouble();
    double.seedRepo('acme/platform');
    // Key order, spacing and escapes as a Go client writes them; the double must not re-serialise.
    const raw = '{"event_type":"Kustomization/portal.flux-system","client_payload":{"involvedObject":{"kind":"Kustomization"},"message":"a \\u003c b","metadata":{"z":"1","a":"2"}}}';
    expect(await post(double.url, '/api/v3/repos/acme/platform/dispatches', raw, { authorization: 'Bearer t' })).toBe(204);
    expect(await post(double.url, '/repos/acme/platform/dispatches', '{"event_type":"x"}', { authorization: 'Bearer t' })).toBe(204);
    expect(double.dispatches('acme/platform').map((d) => [d.eventType, d.raw])).toEqual([
      ['Kustomization/portal.flux-system', raw],
      ['x', '{"event_type":"x"}'],
    ]);
    double.assertNoViolations();
  });

  it('refuses what GitHub refuses: no token, or no event_type', async () => {
    double = await startApiDouble();
    double.seedRepo('acme/platform');
    expect(await post(double.url, '/api/v3/repos/acme/platform/dispatches', '{"event_type":"x"}')).toBe(401);
    expect(await post(double.url, '/repos/acme/platform/dispatches', '{"client_payload":{}}', { authorization: 'Bearer t' })).toBe(422);
    expect(double.dispatches('acme/platform')).toEqual([]);
    expect(double.violations.map((v) => v.kind)).toEqual(['unauthenticated', 'invalid-body']);
  });
});

/** origin with `base` on main, a branch with one commit on it, then one more commit on main (`main2`); everything pushed. */
async function diverged(branch: string, onBranch: Record<string, string>, onMain: Record<string, string>) {
  const origin = await createBareOrigin();
  const dev = await cloneRepo(origin);
  const base = await commitFiles(dev, { 'a.txt': 'a\n' }, 'base');
  await push(dev, 'main');
  await createBranch(dev, branch);
  const head = await commitFiles(dev, onBranch, `on ${branch}`);
  await push(dev, branch);
  await git(dev.path, ['checkout', '--quiet', 'main']);
  const main2 = await commitFiles(dev, onMain, 'on main');
  await push(dev, 'main');
  return { origin, base, head, main2 };
}

describe('API double with a git origin', () => {
  it('knows pushed branches, and a merge is a real two-parent merge commit on origin main', async () => {
    const { origin, base, head, main2 } = await diverged('promote/portal', { 'b.txt': 'b\n' }, { 'c.txt': 'c\n' });
    double = await startApiDouble({ onMerge: mergeOnOrigin(origin) });
    // Seeded with the old main only: the proxy must bring the pushed branch and the new main in.
    double.seedRepo('acme/platform', { branches: { main: base } });
    const proxy = await startBranchSyncProxy(double, origin, 'acme/platform');
    try {

      const call = async (method: string, path: string, body?: unknown) => {
        const r = await fetch(`${proxy.url}${path}`, { method, headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
        return { status: r.status, body: (await r.json()) as Record<string, any> };
      };
      const pr = await call('POST', '/repos/acme/platform/pulls', { title: 'Promote portal', head: 'promote/portal', base: 'main' });
      expect(pr.status).toBe(201);
      expect(pr.body.head.sha).toBe(head);
      const merged = await call('PUT', `/repos/acme/platform/pulls/${pr.body.number}/merge`, { merge_method: 'merge', sha: head });
      expect(merged.status).toBe(200);
      const sha = merged.body.sha as string;
      expect(await git(origin.path, ['rev-parse', 'refs/heads/main'])).toBe(sha);
      expect((await git(origin.path, ['rev-list', '--parents', '-n', '1', sha])).split(' ')).toEqual([sha, main2, head]);
      expect((await git(origin.path, ['ls-tree', '--name-only', sha])).split('\n').sort()).toEqual(['a.txt', 'b.txt', 'c.txt']);
      expect(double.pullRequests('acme/platform')[0]).toMatchObject({ state: 'closed', mergeCommitSha: sha });
      double.assertNoViolations();
    } finally {
      await proxy.close();
    }
  });

  it('a conflicting merge is refused with 405 and origin main does not move', async () => {
    const { origin, base, head, main2 } = await diverged('topic', { 'a.txt': 'topic\n' }, { 'a.txt': 'main\n' });
    double = await startApiDouble({ onMerge: mergeOnOrigin(origin) });
    double.seedRepo('acme/platform', { branches: { main: main2, topic: head } });
    const number = double.seedPullRequest('acme/platform', { head: 'topic', headSha: head });
    const r = await fetch(`${double.url}/repos/acme/platform/pulls/${number}/merge`, { method: 'PUT', headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, body: '{}' });
    expect(r.status).toBe(405);
    expect(await git(origin.path, ['rev-parse', 'refs/heads/main'])).toBe(main2);
    expect(base).not.toBe(main2);
  });
});
