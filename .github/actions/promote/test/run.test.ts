import { describe, expect, it } from 'vitest';
import { InputError, parseEvent, type GitHubContext } from '@carbon/github';
import type { PromoteDeps } from '@carbon/promote';
import { parseMode, run, type Inputs } from '../src/run.ts';

/** run() input handling with deps that fail the test if anything is touched. */

const untouchable = new Proxy({} as PromoteDeps, {
  get(_target, key) {
    if (key === 'github') return undefined;
    throw new Error(`deps.${String(key)} used`);
  },
});

function context(eventName: string, payload: Record<string, unknown>): GitHubContext {
  return { eventName, eventPath: 'event.json', repository: { owner: 'acme', repo: 'platform', fullName: 'acme/platform' }, sha: '', ref: '', workflow: 'promote', runId: '1', runAttempt: '1', actor: 'octocat', serverUrl: 'https://github.com', apiUrl: 'http://127.0.0.1:1', workspace: '/nonexistent', event: parseEvent(eventName, payload) };
}

const inputs = (over: Partial<Inputs>): Inputs => ({ mode: 'event', service: '', revision: '', to: '', dryRun: false, ...over });

describe('promote action run()', () => {
  it('accepts exactly the four modes', () => {
    expect(['event', 'reevaluate', 'promote', 'rollback'].map(parseMode)).toEqual(['event', 'reevaluate', 'promote', 'rollback']);
    expect(() => parseMode('promote; rm -rf /')).toThrow(InputError);
    expect(() => parseMode('')).toThrow(/input "mode": expected one of event, reevaluate, promote, rollback/);
  });

  it('mode event outside repository_dispatch is an input error, before anything runs', async () => {
    await expect(run(inputs({ mode: 'event' }), context('schedule', { schedule: '17 * * * *' }), { promote: untouchable })).rejects.toThrow(/input "mode": "event" needs a repository_dispatch event \(this run is "schedule"\)/);
  });

  it('promote needs service and revision; rollback needs service', async () => {
    const manual = context('workflow_dispatch', { inputs: {} });
    await expect(run(inputs({ mode: 'promote', service: 'trino' }), manual, { promote: untouchable })).rejects.toThrow(/input "revision": is required/);
    await expect(run(inputs({ mode: 'promote', revision: 'a'.repeat(40) }), manual, { promote: untouchable })).rejects.toThrow(/input "service": is required/);
    await expect(run(inputs({ mode: 'rollback' }), manual, { promote: untouchable })).rejects.toThrow(/input "service": is required/);
  });
});
