import { readFileSync, symlinkSync, appendFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { contextFromEnv, createGitHubAdapter, createOctokit } from '@carbon/github';
import { git, startApiDouble, type ApiDouble } from '@carbon/github/testing';
import { generate } from '@carbon/generate';
import { exec, installedTool } from '@carbon/toolchain';
import { actionDeps, run } from '../../../.github/actions/promote/src/run.ts';
import { fluxEvent, REPO, startBranchSyncProxy, type BranchSyncProxy } from './fixture.ts';

/**
 * The promotion loop on this repository's own committed tree and full history (production pins
 * point at real commits): a real change to portal, the real generator, the real reviewer diff,
 * through the same library entry the promote action runs, against a bare origin and the API double.
 */

const ROOT = resolve(import.meta.dirname, '../../..');
const OLD_TAG = "tag: '1.27.2-alpine'";
const NEW_TAG = "tag: '1.27.3-alpine'";
// A Tuesday noon in Berlin, outside the repo's freeze windows, so the outcome does not depend on the day the test runs.
const NOW = new Date('2026-11-24T11:00:00Z');

let tmp: string | undefined;
let double: ApiDouble | undefined;
let proxy: BranchSyncProxy | undefined;
afterAll(async () => {
  await proxy?.close();
  await double?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('this repository, end to end', () => {
  // A missing kustomize is a failure naming the remedy (`npm run setup`), never a skip.
  beforeAll(() => void installedTool(ROOT, 'kustomize'));
  it('a healthy event for a real portal change opens one PR moving only pins.portal, with the multi-node diff; generate --check passes on it', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'carbon-promote-real-'));
    const originPath = join(tmp, 'origin.git');
    const repo = join(tmp, 'repo');
    // origin: the committed tree with full history; the checkout: a clone of it (never a remote pointing at the real repo).
    await git(tmp, ['clone', '--quiet', '--bare', '--no-hardlinks', ROOT, originPath]);
    await git(tmp, ['clone', '--quiet', '--no-hardlinks', originPath, repo]);
    symlinkSync(join(ROOT, 'node_modules'), join(repo, 'node_modules'));
    symlinkSync(join(ROOT, '.tools'), join(repo, '.tools'));
    appendFileSync(join(repo, '.git/info/exclude'), 'node_modules\n.tools\n');

    // A platform engineer's change, merged to main: a new portal image, regenerated.
    const definition = join(repo, 'apps/portal/src/service.ts');
    const before = readFileSync(definition, 'utf8');
    expect(before).toContain(OLD_TAG);
    writeFileSync(definition, before.replace(OLD_TAG, NEW_TAG));
    await generate(repo);
    const changed = (await git(repo, ['status', '--porcelain'])).split('\n').map((line) => line.slice(3));
    expect(changed).toContain('apps/portal/src/service.ts');
    expect(changed.some((path) => path.startsWith('apps/portal/deploy/'))).toBe(true);
    expect(changed.filter((path) => path.startsWith('clusters/multi-node/'))).toEqual([]);
    await git(repo, ['add', '--all']);
    await git(repo, ['commit', '--quiet', '-m', 'portal: nginx-unprivileged 1.27.3-alpine']);
    await git(repo, ['push', '--quiet', 'origin', 'HEAD:main']);
    const revision = await git(repo, ['rev-parse', 'HEAD']);
    const pinsBefore = parse(await git(originPath, ['show', 'main:clusters/multi-node/pins.yaml'])) as { pins: Record<string, { commit: string }> };

    double = await startApiDouble();
    double.seedRepo(REPO, { defaultBranch: 'main', branches: { main: revision } });
    proxy = await startBranchSyncProxy(double, { path: originPath, url: `file://${originPath}` }, REPO);
    const [owner, name] = REPO.split('/') as [string, string];
    const github = createGitHubAdapter(createOctokit({ token: 'test-token', baseUrl: proxy.url, tuning: { retries: 0 } }), { owner, repo: name, fullName: REPO });
    const payload = fluxEvent({ name: 'portal', revision, timestamp: new Date(NOW.getTime() - 10 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z') });
    const event = { action: payload.event_type, client_payload: payload.client_payload, repository: { full_name: REPO }, sender: { login: 'flux-bot' } };
    const context = contextFromEnv({
      env: { GITHUB_EVENT_NAME: 'repository_dispatch', GITHUB_EVENT_PATH: 'event.json', GITHUB_REPOSITORY: REPO, GITHUB_WORKSPACE: repo, GITHUB_ACTOR: 'flux-bot', GITHUB_API_URL: proxy.url },
      readFile: () => JSON.stringify(event),
    });

    const deps = { promote: { ...actionDeps({ root: repo, github, actor: context.actor, dryRun: false }), now: () => NOW } };
    const result = await run({ mode: 'event', service: '', revision: '', to: '', dryRun: false }, context, deps);
    expect(result.failure).toBeUndefined();
    expect(result.outputs).toMatchObject({ outcome: 'opened', 'pull-request': '1', service: 'portal' });

    const prs = double.pullRequests(REPO);
    expect(prs).toHaveLength(1);
    expect(prs[0]).toMatchObject({ head: 'promote/portal', base: 'main', state: 'open' });

    // The branch moves only pins.portal.commit (+ its promotedAt), the audit log and regenerated multi-node wiring.
    const files = (await git(originPath, ['diff', '--name-only', 'main', 'promote/portal'])).split('\n');
    expect(files).toEqual(expect.arrayContaining(['clusters/multi-node/pins.yaml', 'clusters/multi-node/promotions.log.yaml']));
    expect(files.filter((path) => !path.startsWith('clusters/multi-node/'))).toEqual([]);
    const pinsAfter = parse(await git(originPath, ['show', 'promote/portal:clusters/multi-node/pins.yaml'])) as { pins: Record<string, { commit: string; promotedAt?: string }> };
    expect(Object.keys(pinsAfter.pins).sort()).toEqual(Object.keys(pinsBefore.pins).sort());
    for (const [service, pin] of Object.entries(pinsAfter.pins)) {
      if (service === 'portal') expect(pin).toEqual({ commit: revision, promotedAt: expect.any(String) });
      else expect(pin.commit, service).toBe(pinsBefore.pins[service]!.commit);
    }
    const wiring = await git(originPath, ['diff', 'main', 'promote/portal', '--', 'clusters/multi-node', ':!clusters/multi-node/pins.yaml', ':!clusters/multi-node/promotions.log.yaml']);
    expect(wiring).toContain(`+    commit: ${revision}`);
    // Every regenerated line that changed is portal's pin moving (ref.commit, promoted-commit), nothing else.
    const changedLines = wiring.split('\n').filter((line) => /^[-+](?![-+]{2} )/.test(line));
    expect(changedLines.length).toBeGreaterThan(0);
    for (const line of changedLines) expect(line.includes(revision) || line.includes(pinsBefore.pins.portal!.commit), line).toBe(true);
    expect(files.filter((path) => !['clusters/multi-node/pins.yaml', 'clusters/multi-node/promotions.log.yaml'].includes(path)).every((path) => path.includes('portal'))).toBe(true);

    // The PR body carries the real multi-node diff, naming the image change.
    const body = prs[0]!.body ?? '';
    const diff = body.slice(body.indexOf('### What multi-node receives'));
    expect(diff).not.toContain('could not be rendered');
    expect(diff).toContain('multi-node');
    expect(diff).toContain('1.27.3-alpine');
    expect(diff).toContain('nginx-unprivileged');
    expect(body).toContain('portal: nginx-unprivileged 1.27.3-alpine');

    // The promotion PR passes the check pr.yml runs on it.
    await git(repo, ['fetch', '--quiet', 'origin', 'promote/portal']);
    await git(repo, ['checkout', '--quiet', '--detach', 'FETCH_HEAD']);
    const check = await exec(process.execPath, [join(repo, 'packages/cli/bin/platform.mjs'), 'generate', '--check'], { cwd: repo });
    // Nothing on stderr but generate's notes about the repository itself (unpinned services, one-sided network rules).
    expect(check.stderr.split('\n').filter((l) => l && !/^(note|warning): /.test(l))).toEqual([]);
    expect(check.stdout).toMatch(/generated files are up to date/);
    expect(check.exitCode).toBe(0);

    double.assertNoViolations();
  }, 180_000);
});
