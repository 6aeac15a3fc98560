import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ContextError, contextFromEnv, type GitHubContext } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'carbon-context-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function contextFor(eventName: string, event: unknown, env: Record<string, string> = {}): GitHubContext {
  const path = join(dir, `event-${counter++}.json`);
  writeFileSync(path, typeof event === 'string' ? event : JSON.stringify(event));
  return contextFromEnv({ env: { GITHUB_EVENT_NAME: eventName, GITHUB_EVENT_PATH: path, GITHUB_REPOSITORY: 'acme/platform', GITHUB_SHA: 'c'.repeat(40), GITHUB_REF: 'refs/heads/main', ...env } });
}

const pullRequest = (headRepo: string | null) => ({
  action: 'synchronize',
  pull_request: {
    number: 42,
    title: 'Bump trino',
    draft: false,
    base: { sha: 'a'.repeat(40), ref: 'main', repo: { full_name: 'acme/platform' } },
    head: { sha: 'b'.repeat(40), ref: 'bump-trino', repo: headRepo === null ? null : { full_name: headRepo } },
  },
});

describe('contextFromEnv', () => {
  it('narrows pull_request with base/head, head repo and fork detection', () => {
    const context = contextFor('pull_request', pullRequest('acme/platform'));
    expect(context.repository).toEqual({ owner: 'acme', repo: 'platform', fullName: 'acme/platform' });
    if (context.event.kind !== 'pull_request') throw new Error('expected pull_request');
    expect(context.event.pullRequest).toEqual({
      number: 42,
      title: 'Bump trino',
      draft: false,
      base: { sha: 'a'.repeat(40), ref: 'main', repoFullName: 'acme/platform' },
      head: { sha: 'b'.repeat(40), ref: 'bump-trino', repoFullName: 'acme/platform' },
      isFork: false,
    });
    const fork = contextFor('pull_request', pullRequest('mallory/platform'));
    expect(fork.event.kind === 'pull_request' && fork.event.pullRequest.isFork).toBe(true);
    const deletedFork = contextFor('pull_request', pullRequest(null));
    expect(deletedFork.event.kind === 'pull_request' && deletedFork.event.pullRequest.isFork).toBe(true);
  });

  it('narrows push', () => {
    const context = contextFor('push', { ref: 'refs/heads/main', before: '1'.repeat(40), after: '2'.repeat(40), created: false, deleted: false, forced: true });
    expect(context.event).toEqual({ kind: 'push', ref: 'refs/heads/main', before: '1'.repeat(40), after: '2'.repeat(40), created: false, deleted: false, forced: true });
  });

  it('narrows repository_dispatch and keeps client_payload opaque', () => {
    const payload = { involvedObject: { kind: 'Kustomization', name: 'trino' }, severity: 'info', metadata: { revision: 'main@sha1:abc' } };
    const context = contextFor('repository_dispatch', { action: 'Kustomization/trino.flux-system', client_payload: payload });
    expect(context.event).toEqual({ kind: 'repository_dispatch', eventType: 'Kustomization/trino.flux-system', clientPayload: payload });
  });

  it('narrows schedule and workflow_dispatch (inputs as strings)', () => {
    expect(contextFor('schedule', { schedule: '*/15 * * * *' }).event).toEqual({ kind: 'schedule', schedule: '*/15 * * * *' });
    expect(contextFor('workflow_dispatch', { ref: 'refs/heads/main', inputs: { service: 'trino', action: 'rollback', dry_run: true } }).event).toEqual({
      kind: 'workflow_dispatch',
      ref: 'refs/heads/main',
      inputs: { service: 'trino', action: 'rollback', dry_run: 'true' },
    });
  });

  it('narrows workflow_run', () => {
    const context = contextFor('workflow_run', { action: 'completed', workflow_run: { id: 9, name: 'pr', event: 'pull_request', conclusion: 'success', head_sha: 'd'.repeat(40), head_branch: 'x', head_repository: { full_name: 'mallory/platform' } } });
    expect(context.event).toMatchObject({ kind: 'workflow_run', workflowRun: { id: 9, event: 'pull_request', headRepoFullName: 'mallory/platform' } });
  });

  it('returns a typed "other" for events it does not narrow', () => {
    expect(contextFor('issues', { action: 'opened' }).event).toEqual({ kind: 'other', eventName: 'issues', payload: { action: 'opened' } });
  });

  it('fails clearly for a missing, malformed or mis-shaped event file and for missing env', () => {
    const error = (fn: () => unknown) => {
      try {
        fn();
      } catch (caught) {
        return caught as ContextError;
      }
      throw new Error('expected a ContextError');
    };
    const missing = error(() => contextFromEnv({ env: { GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: join(dir, 'nope.json'), GITHUB_REPOSITORY: 'acme/platform' } }));
    expect(missing).toBeInstanceOf(ContextError);
    expect(missing.code).toBe('event-file-unreadable');
    expect(missing.message).toContain('nope.json');

    const malformed = error(() => contextFor('push', '{"ref": "refs/heads/main",'));
    expect(malformed.code).toBe('event-file-malformed');
    expect(malformed.message).toMatch(/event-\d+\.json: is not valid JSON/);

    expect(error(() => contextFor('push', '[1,2]')).code).toBe('event-file-malformed');

    const wrongShape = error(() => contextFor('pull_request', { action: 'opened', pull_request: { number: '42' } }));
    expect(wrongShape.code).toBe('event-payload-invalid');
    expect(wrongShape.message).toContain('#pull_request.base.sha');

    const noEnv = error(() => contextFromEnv({ env: {} }));
    expect(noEnv).toMatchObject({ code: 'missing-env', where: 'GITHUB_EVENT_NAME' });
    expect(error(() => contextFor('push', {}, { GITHUB_REPOSITORY: 'not a repo' })).where).toBe('GITHUB_REPOSITORY');
  });
});
