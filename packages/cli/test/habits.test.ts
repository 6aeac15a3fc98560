import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { colorFor } from '../src/io.ts';

const BIN = resolve(import.meta.dirname, '../bin/platform.mjs');

describe('CLI habits', () => {
  it('colour: --no-color off, --color on, else a terminal without NO_COLOR', () => {
    expect(colorFor({ isTTY: true }, {}, {})).toBe(true);
    expect(colorFor({ isTTY: true }, {}, { NO_COLOR: '1' })).toBe(false);
    expect(colorFor({ isTTY: true }, {}, { NO_COLOR: '' })).toBe(true);
    expect(colorFor({ isTTY: false }, {}, {})).toBe(false);
    expect(colorFor({ isTTY: true }, { 'no-color': true }, {})).toBe(false);
    expect(colorFor({ isTTY: false }, { color: true }, { NO_COLOR: '1' })).toBe(true);
  });

  it('`platform help | head -1`: a closed pipe ends the command quietly (no EPIPE stack trace)', async () => {
    const child = spawn(process.execPath, [BIN, 'help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += String(d)));
    // Read one chunk, then close our end, as `head -1` does.
    await new Promise<void>((done) => child.stdout.once('data', () => (child.stdout.destroy(), done())));
    const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
    expect(err).not.toContain('EPIPE');
    expect(err).not.toContain('Unhandled');
    expect(code).toBe(0);
  }, 60_000);
});
