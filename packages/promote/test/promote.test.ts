import { describe, expect, it } from 'vitest';
import { git } from '@carbon/github/testing';
import { handleEvent, history, promoteRevision, reevaluate, rollback, decodeState } from '../src/index.ts';
import { fluxEvent, REPO, service, useFixture } from './fixture.ts';

const setup = useFixture();

const trinoChange = (replicas: number) => ({ 'apps/trino/deploy/overlays/multi-node/kustomization.yaml': `resources: [../../base]\nreplicas: [{ name: trino, count: ${replicas} }]\n` });

describe('promotion loop against a bare origin and the GitHub API double', () => {
  it('healthy event → one PR moving the pin, with commits, diff, gates and trailers; soak keeps it open', async () => {
    const f = await setup();
    const rev = await f.commitMain(trinoChange(3), 'trino: 3 replicas on multi-node');
    const outcome = await handleEvent(fluxEvent({ revision: rev }), f.deps());
    expect(outcome).toMatchObject({ status: 'opened', exit: 0, pr: 1 });
    const [pr] = f.double.pullRequests(REPO);
    expect(pr).toMatchObject({ head: 'promote/trino', base: 'main', state: 'open' });
    expect(pr!.body).toContain('trino: 3 replicas on multi-node');
    expect(pr!.body).toContain('apps/trino/deploy/overlays/multi-node/kustomization.yaml');
    expect(pr!.body).toMatch(/soak \| ⏳ wait \| soaking on single-node until 2026-11-24T12:20:00.000Z/);
    expect(f.double.labels(REPO, 1)).toEqual(expect.arrayContaining(['promotion', 'service:trino']));
    const message = await git(f.origin.path, ['log', '-1', '--format=%B', 'promote/trino']);
    expect(message).toContain(`Promoted-Service: trino`);
    expect(message).toContain(`Promoted-To: ${rev}`);
    expect(message).toMatch(/Flux-Event-Id: [0-9a-f]{16}/);
    expect(message).toContain('Gates: source-env,success,on-main,descendant,changes');
    const pinsOnBranch = await git(f.origin.path, ['show', 'promote/trino:clusters/multi-node/pins.yaml']);
    expect(pinsOnBranch).toContain(`commit: ${rev}`);
    expect(await git(f.origin.path, ['show', 'promote/trino:clusters/multi-node/apps/trino.yaml'])).toContain(rev);
    expect(await git(f.origin.path, ['show', 'promote/trino:clusters/multi-node/promotions.log.yaml'])).toContain(`to: ${rev}`);
  });

  it('a replayed event changes nothing: exactly one PR, no second push', async () => {
    const f = await setup();
    const rev = await f.commitMain(trinoChange(3), 'trino: 3 replicas');
    await handleEvent(fluxEvent({ revision: rev }), f.deps());
    const head = await git(f.origin.path, ['rev-parse', 'promote/trino']);
    const pushes = f.calls.filter((c) => c.includes('push')).length;
    const replay = await handleEvent(fluxEvent({ revision: rev }), f.deps());
    expect(replay).toMatchObject({ status: 'unchanged', pr: 1 });
    expect(f.double.pullRequests(REPO)).toHaveLength(1);
    expect(f.calls.filter((c) => c.includes('push')).length).toBe(pushes);
    expect(await git(f.origin.path, ['rev-parse', 'promote/trino'])).toBe(head);
  });

  it('after soak the scheduled run merges through the REST merge', async () => {
    const f = await setup();
    const rev = await f.commitMain(trinoChange(3), 'trino: 3 replicas');
    await handleEvent(fluxEvent({ revision: rev }), f.deps());
    expect((await reevaluate(f.deps()))[0]).toMatchObject({ status: 'waiting', pr: 1 });
    f.now.value = new Date('2026-11-24T12:21:00Z');
    expect((await reevaluate(f.deps()))[0]).toMatchObject({ status: 'merged', pr: 1 });
    expect(f.double.pullRequests(REPO)[0]!.state).toBe('closed');
  });

  it('a failure event opens no PR', async () => {
    const f = await setup();
    const rev = await f.commitMain(trinoChange(3), 'trino: 3 replicas');
    const outcome = await handleEvent(fluxEvent({ revision: rev, severity: 'error', reason: 'HealthCheckFailed', message: "Health check failed after 5m: timeout waiting for: [Deployment/trino/trino status: 'InProgress']" }), f.deps());
    expect(outcome).toMatchObject({ status: 'ignored', exit: 0 });
    expect(f.double.pullRequests(REPO)).toHaveLength(0);
  });

  it('a failure event after the healthy one blocks the pending promotion and says why on its PR; the scheduled run does not merge', async () => {
    const f = await setup();
    const rev = await f.commitMain(trinoChange(3), 'trino: 3 replicas');
    await handleEvent(fluxEvent({ revision: rev }), f.deps());
    const blocked = await handleEvent(fluxEvent({ revision: rev, severity: 'error', reason: 'HealthCheckFailed', timestamp: '2026-11-24T11:55:00Z', message: 'Health check failed after 5m' }), f.deps());
    expect(blocked).toMatchObject({ status: 'blocked', pr: 1 });
    expect(f.double.comments(REPO, 1).at(-1)!.body).toContain('HealthCheckFailed');
    expect(f.double.labels(REPO, 1)).toContain('promotion-blocked');
    f.now.value = new Date('2026-11-24T13:00:00Z');
    expect((await reevaluate(f.deps()))[0]).toMatchObject({ status: 'waiting' });
    expect(f.double.pullRequests(REPO)[0]!.state).toBe('open');
    expect(decodeState(f.double.pullRequests(REPO)[0]!.body ?? '')!.failures).toHaveLength(1);
  });

  it('a forged revision (not on main) and a non-descendant revision are rejected', async () => {
    const f = await setup();
    const forged = 'f'.repeat(40);
    expect(await handleEvent(fluxEvent({ revision: forged }), f.deps())).toMatchObject({ status: 'rejected', exit: 1, gate: 'on-main' });
    // A commit that exists but only on a side branch.
    await git(f.dev.path, ['checkout', '-q', '-b', 'side']);
    await git(f.dev.path, ['commit', '-q', '--allow-empty', '-m', 'side']);
    const side = await git(f.dev.path, ['rev-parse', 'HEAD']);
    await git(f.dev.path, ['push', '-q', 'origin', 'side']);
    await git(f.dev.path, ['checkout', '-q', 'main']);
    expect(await handleEvent(fluxEvent({ revision: side }), f.deps())).toMatchObject({ status: 'rejected', gate: 'on-main' });
    // An older commit on main than the current pin.
    const first = await git(f.dev.path, ['rev-list', '--max-parents=0', 'HEAD']);
    const newer = await f.commitMain(trinoChange(4), 'trino: 4');
    await f.commitMain({ 'clusters/multi-node/pins.yaml': (await import('./fixture.ts')).pins({ trino: newer, vault: first }) }, 'pin trino ahead');
    expect(await handleEvent(fluxEvent({ revision: first }), f.deps())).toMatchObject({ status: 'rejected', exit: 1, gate: 'descendant' });
    expect(f.double.pullRequests(REPO)).toHaveLength(0);
  });

  it('an unchanged multi-node output is a recorded no-op (commit status), no PR', async () => {
    const f = await setup();
    const rev = await f.commitMain({ 'apps/trino/README.md': 'docs only\n', 'apps/trino/deploy/overlays/single-node/kustomization.yaml': 'resources: [../../base]\n# single-node only\n' }, 'trino: docs + staging-only');
    const outcome = await handleEvent(fluxEvent({ revision: rev }), f.deps());
    expect(outcome).toMatchObject({ status: 'noop', gate: 'changes' });
    expect(f.double.pullRequests(REPO)).toHaveLength(0);
    expect(f.double.statuses(REPO).at(-1)).toMatchObject({ sha: rev, context: 'promote/trino', state: 'success' });
  });

  it('a freeze window defers with the time it reopens', async () => {
    const f = await setup();
    f.now.value = new Date('2026-11-28T10:00:00Z'); // Saturday
    const rev = await f.commitMain(trinoChange(3), 'trino: 3');
    const outcome = await handleEvent(fluxEvent({ revision: rev, timestamp: '2026-11-28T09:00:00Z' }), f.deps());
    // Monday 00:00 in Europe/Berlin (CET, UTC+1) is Sunday 23:00 UTC.
    expect(outcome).toMatchObject({ status: 'deferred', reopensAt: '2026-11-29T23:00:00.000Z' });
    expect(f.double.pullRequests(REPO)[0]!.body).toContain('reopens 2026-11-29T23:00:00.000Z');
  });

  it('approval required → PR without auto-merge, labelled needs-approval', async () => {
    const f = await setup();
    const rev = await f.commitMain({ 'apps/vault/deploy/overlays/multi-node/kustomization.yaml': 'resources: [../../base]\nreplicas: [{ name: vault, count: 3 }]\n' }, 'vault: HA');
    const outcome = await handleEvent(fluxEvent({ name: 'vault', revision: rev }), f.deps());
    expect(outcome).toMatchObject({ status: 'opened' });
    expect(f.double.labels(REPO, 1)).toContain('needs-approval');
    expect(f.double.requestsFor('pulls/merge')).toHaveLength(0);
    f.now.value = new Date('2026-11-25T12:00:00Z');
    await reevaluate(f.deps());
    expect(f.double.requestsFor('pulls/merge')).toHaveLength(0);
  });

  it('a newer healthy revision updates the same PR instead of opening a second', async () => {
    const f = await setup();
    const first = await f.commitMain(trinoChange(3), 'trino: 3');
    await handleEvent(fluxEvent({ revision: first }), f.deps());
    const second = await f.commitMain(trinoChange(5), 'trino: 5');
    const outcome = await handleEvent(fluxEvent({ revision: second, timestamp: '2026-11-24T11:56:00Z' }), f.deps());
    expect(outcome).toMatchObject({ status: 'updated', pr: 1 });
    expect(f.double.pullRequests(REPO)).toHaveLength(1);
    expect(await git(f.origin.path, ['show', 'promote/trino:clusters/multi-node/pins.yaml'])).toContain(`commit: ${second}`);
    expect(decodeState(f.double.pullRequests(REPO)[0]!.body ?? '')!.to).toBe(second);
    // The older revision arriving late changes nothing.
    expect(await handleEvent(fluxEvent({ revision: first, timestamp: '2026-11-24T11:58:00Z' }), f.deps())).toMatchObject({ status: 'ignored', pr: 1 });
  });

  it('rollback → urgent PR to the previous pin from the audit trail; history prints it', async () => {
    const f = await setup();
    const old = await git(f.dev.path, ['rev-parse', 'HEAD~1']);
    const current = await f.commitMain(trinoChange(3), 'trino: 3');
    await f.commitMain(
      {
        'clusters/multi-node/pins.yaml': (await import('./fixture.ts')).pins({ trino: current, vault: old }),
        'clusters/multi-node/promotions.log.yaml': `- service: trino\n  action: promote\n  from: ${old}\n  to: ${current}\n  at: "2026-11-20T10:00:00.000Z"\n  eventId: 0123456789abcdef\n  eventTime: "2026-11-20T09:00:00.000Z"\n  gates: [source-env, success, on-main, descendant, changes]\n  approval: not-required\n  by: flux-event\n`,
      },
      'promote trino',
    );
    const outcome = await rollback({ service: 'trino' }, f.deps());
    expect(outcome).toMatchObject({ status: 'opened', exit: 0 });
    const [pr] = f.double.pullRequests(REPO);
    expect(pr!.head).toBe('rollback/trino');
    expect(f.double.labels(REPO, pr!.number)).toEqual(expect.arrayContaining(['urgent', 'rollback']));
    expect(pr!.body).toMatch(/soak \| ➖ skip/);
    expect(await git(f.origin.path, ['show', 'rollback/trino:clusters/multi-node/pins.yaml'])).toContain(`commit: ${old}`);
    expect(f.double.requestsFor('pulls/merge')).toHaveLength(0);
    await git(f.checkout.path, ['pull', '-q', 'origin', 'main']);
    const entries = await history('trino', f.deps());
    expect(entries.map((e) => [e.action, e.from, e.to])).toEqual([['promote', old, current]]);
  });

  it('rollback traps: no roll-forward, no identical output, a short SHA resolves like git, the bootstrap pin has no earlier pin', async () => {
    const f = await setup();
    const old = await git(f.dev.path, ['rev-parse', 'HEAD~1']);
    const current = await f.commitMain(trinoChange(3), 'trino: 3');
    const docsOnly = await f.commitMain({ 'docs/trino-notes.md': 'notes\n' }, 'docs only');
    const newer = await f.commitMain(trinoChange(5), 'trino: 5');
    await f.commitMain({ 'clusters/multi-node/pins.yaml': (await import('./fixture.ts')).pins({ trino: docsOnly, vault: old }) }, 'pin trino at docsOnly');
    await git(f.checkout.path, ['fetch', '-q', 'origin']); // dry runs plan from what is fetched
    // The bootstrap pin: nothing in the audit trail moved trino to it.
    expect(await rollback({ service: 'trino' }, f.deps({ dryRun: true }))).toMatchObject({ status: 'rejected', gate: 'audit', message: expect.stringMatching(/^no earlier pin: .* is trino's first multi-node pin/) });
    // Forward is a promotion, not a rollback.
    expect(await rollback({ service: 'trino', to: newer }, f.deps({ dryRun: true }))).toMatchObject({ status: 'rejected', gate: 'older', message: expect.stringContaining('is not older than the current multi-node pin') });
    // current → docsOnly changed nothing under apps/trino/deploy: rolling back there is a no-op PR.
    expect(await rollback({ service: 'trino', to: current }, f.deps({ dryRun: true }))).toMatchObject({ status: 'rejected', gate: 'changes', message: expect.stringContaining('changes nothing') });
    // A short SHA, resolved to the full commit (git's rule), then planned.
    const planned = await rollback({ service: 'trino', to: old.slice(0, 9) }, f.deps({ dryRun: true }));
    expect(planned).toMatchObject({ status: 'planned', exit: 0 });
    expect(JSON.stringify(planned)).toContain(old.slice(0, 12));
    expect(await rollback({ service: 'trino', to: 'abcdef0' }, f.deps({ dryRun: true }))).toMatchObject({ status: 'rejected', gate: 'revision' });
  });

  it('manual --service --revision promotes without an event (soak skipped), freeze and approval still apply', async () => {
    const f = await setup();
    const rev = await f.commitMain(trinoChange(3), 'trino: 3');
    const outcome = await promoteRevision({ service: 'trino', revision: rev }, f.deps());
    expect(outcome).toMatchObject({ status: 'merged', pr: 1 });
  });

  it('manual promotion of a change with a high risk waits for a human (needs-approval, audit says required); an event-driven one keeps its soak', async () => {
    const f = await setup();
    const rev = await f.commitMain(trinoChange(3), 'trino: run as root');
    const risky = async () => ({ markdown: '> 🔴 privilege: Deployment data/trino runAsUser 1000 → 0', highRisks: ['privilege: Deployment data/trino runAsUser 1000 → 0'] });
    const outcome = await promoteRevision({ service: 'trino', revision: rev }, f.deps({ diff: risky }));
    expect(outcome).toMatchObject({ status: 'opened', exit: 0, pr: 1 });
    expect(outcome.gates).toEqual(expect.arrayContaining([
      { gate: 'risk', status: 'wait', detail: 'manual promotion with 1 high risk: privilege: Deployment data/trino runAsUser 1000 → 0' },
      { gate: 'approval', status: 'wait', detail: 'a manual promotion with a high risk requires a human review; the bot will not merge it' },
    ]));
    expect(f.double.labels(REPO, 1)).toContain('needs-approval');
    expect(f.double.pullRequests(REPO)[0]).toMatchObject({ state: 'open' });
    expect(f.double.pullRequests(REPO)[0]!.body).toContain('runAsUser 1000 → 0');
    expect(await git(f.origin.path, ['show', 'promote/trino:clusters/multi-node/promotions.log.yaml'])).toMatch(/to: [0-9a-f]{40}\n[\s\S]*approval: required\n {2}by: manual/);
    // The scheduled run reads the state back and still does not merge it.
    f.now.value = new Date('2026-11-24T18:00:00Z');
    await reevaluate(f.deps({ diff: risky }));
    expect(f.double.pullRequests(REPO)[0]).toMatchObject({ state: 'open' });

    // Without a high risk the same manual promotion merges at once, as before.
    const g = await setup();
    const calm = await g.commitMain(trinoChange(4), 'trino: 4');
    expect(await promoteRevision({ service: 'trino', revision: calm }, g.deps({ diff: async () => ({ markdown: 'replicas 2 → 4', highRisks: [] }) }))).toMatchObject({ status: 'merged' });
    // An event-driven promotion is not held by the risk (its soak and failure events are the net).
    const h = await setup();
    const evRev = await h.commitMain(trinoChange(5), 'trino: 5');
    const ev = await handleEvent(fluxEvent({ revision: evRev }), h.deps({ diff: risky }));
    expect(ev.gates?.some((x) => x.gate === 'risk')).toBe(false);
    expect(h.double.labels(REPO, 1)).not.toContain('needs-approval');
  });

  it('dry run plans without pushing or writing to GitHub', async () => {
    const f = await setup();
    const rev = await f.commitMain(trinoChange(3), 'trino: 3');
    await git(f.checkout.path, ['fetch', '-q', 'origin']);
    const outcome = await handleEvent(fluxEvent({ revision: rev }), f.deps({ dryRun: true }));
    expect(outcome).toMatchObject({ status: 'planned', exit: 0 });
    expect(f.calls.some((c) => c.includes('push') || c.includes('worktree'))).toBe(false);
    expect(f.double.pullRequests(REPO)).toHaveLength(0);
  });
});

describe('hostile and unknown events are rejected before anything runs', () => {
  const sha = 'a'.repeat(40);
  const cases: Array<[string, (e: any) => void]> = [
    ['unknown Kustomization', (e) => { e.event_type = 'Kustomization/ghost.flux-system'; e.client_payload.involvedObject.name = 'ghost'; }],
    ['infrastructure Kustomization', (e) => { e.event_type = 'Kustomization/apps.flux-system'; e.client_payload.involvedObject.name = 'apps'; }],
    ['shell in the name', (e) => { e.client_payload.involvedObject.name = 'trino;rm -rf /'; }],
    ['command substitution in the revision', (e) => { e.client_payload.metadata.revision = 'main@sha1:$(touch /tmp/pwned)'; }],
    ['newline in the revision', (e) => { e.client_payload.metadata.revision = `main@sha1:${sha}\n--upload-pack=evil`; }],
    ['backticks in the message', (e) => { e.client_payload.message = 'ok `id`'; }],
    ['$( in the message', (e) => { e.client_payload.message = 'ok $(id)'; }],
    ['comment breakout in metadata', (e) => { e.client_payload.metadata.note = '--> <script>'; }],
    ['option injection in env', (e) => { e.client_payload.metadata.env = '--exec=sh'; }],
    ['other branch', (e) => { e.client_payload.metadata.revision = `release@sha1:${sha}`; }],
    ['short sha', (e) => { e.client_payload.metadata.revision = 'main@sha1:abc123'; }],
    ['event_type mismatch', (e) => { e.event_type = 'Kustomization/vault.flux-system'; }],
    ['wrong kind', (e) => { e.client_payload.involvedObject.kind = 'HelmRelease'; e.event_type = 'HelmRelease/trino.flux-system'; }],
    ['unknown payload key', (e) => { e.client_payload.extra = 'x'; }],
    ['wrong namespace', (e) => { e.client_payload.involvedObject.namespace = 'default'; e.event_type = 'Kustomization/trino.default'; }],
    ['path traversal in name', (e) => { e.client_payload.involvedObject.name = '../../etc'; }],
    ['not an object', (e) => { e.client_payload = 'trino'; }],
    ['future timestamp', (e) => { e.client_payload.timestamp = '2099-01-01T00:00:00Z'; }],
    ['wrong controller', (e) => { e.client_payload.reportingController = 'helm-controller'; }],
  ];
  it.each(cases)('%s → exit 2, no process started, no GitHub call', async (_name, mutate) => {
    const f = await setup();
    const event = fluxEvent({ revision: sha });
    mutate(event);
    const outcome = await handleEvent(event, f.deps());
    expect(outcome).toMatchObject({ status: 'rejected', exit: 2, gate: 'event' });
    expect(f.calls).toEqual([]);
    expect(f.double.requests).toHaveLength(0);
  });

  it('an event from another env is refused by the source-env gate, nothing executed', async () => {
    const f = await setup();
    const outcome = await handleEvent(fluxEvent({ revision: 'a'.repeat(40), env: 'multi-node' }), f.deps());
    expect(outcome).toMatchObject({ status: 'rejected', exit: 1, gate: 'source-env' });
    expect(f.calls).toEqual([]);
  });

  it('accepts the GitHub webhook shape (action + client_payload + repository, sender)', async () => {
    const f = await setup();
    const rev = await f.commitMain(trinoChange(3), 'trino: 3');
    const flux = fluxEvent({ revision: rev });
    const webhook = { action: flux.event_type, client_payload: flux.client_payload, repository: { full_name: REPO }, sender: { login: 'flux' } };
    expect(await handleEvent(webhook, f.deps())).toMatchObject({ status: 'opened' });
  });

  it('replay after the promotion merged is a no-op (the pin is already there)', async () => {
    const f = await setup();
    const rev = await f.commitMain(trinoChange(3), 'trino: 3');
    f.now.value = new Date('2026-11-24T12:30:00Z');
    expect(await handleEvent(fluxEvent({ revision: rev }), f.deps())).toMatchObject({ status: 'merged' });
    expect(await handleEvent(fluxEvent({ revision: rev }), f.deps())).toMatchObject({ status: 'noop' });
    expect(f.double.pullRequests(REPO)).toHaveLength(1);
  });
});

// keep the service() helper referenced for fixtures that add services
void service;
