import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../../cli/src/main.ts';
import { fluxEvent } from './fixture.ts';

const promote = (argv: string[], io: Io) => main(['promote', ...argv], io);
const rollbackCmd = (argv: string[], io: Io) => main(['rollback', ...argv], io);

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), cwd: process.cwd(), isTTY: false }, out, err };
}

describe('platform promote / rollback (CLI shells)', () => {
  it('a hostile event file → exit 2 with the field named', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'promote-cli-'));
    const event = fluxEvent({ revision: 'a'.repeat(40), timestamp: '2026-01-01T00:00:00Z' }) as { client_payload: { metadata: Record<string, string> } };
    event.client_payload.metadata.revision = 'main@sha1:`reboot`';
    await writeFile(join(dir, 'event.json'), JSON.stringify(event));
    const t = io();
    expect(await promote(['--event', join(dir, 'event.json'), '--dry-run'], t.io)).toBe(2);
    expect(t.err.join('')).toContain('rejected: event client_payload.metadata.revision');
  });

  it('an unreadable or non-JSON event → exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'promote-cli-'));
    await writeFile(join(dir, 'event.json'), '{not json');
    const t = io();
    expect(await promote(['--event', join(dir, 'event.json')], t.io)).toBe(2);
  });

  it('--reevaluate --dry-run needs no token: it plans (exit 0) and says what a real run does', async () => {
    const saved = process.env.GITHUB_TOKEN;
    delete process.env.GITHUB_TOKEN;
    try {
      const t = io();
      expect(await promote(['--reevaluate', '--dry-run'], t.io)).toBe(0);
      expect(t.out.join('')).toContain('dry run without GitHub access');
    } finally {
      if (saved !== undefined) process.env.GITHUB_TOKEN = saved;
    }
  });

  it('mixing modes or missing --service is a usage error', async () => {
    const t = io();
    expect(await promote(['--event', 'x', '--reevaluate'], t.io)).toBe(2);
    expect(t.err.join('')).toMatch(/exactly one/);
    expect(await rollbackCmd([], io().io)).toBe(2);
  });
});
