import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { colorFor } from '../src/io.ts';
import { commandNames, main } from '../src/main.ts';

const BIN = resolve(import.meta.dirname, '../bin/platform.mjs');

describe('CLI habits', () => {
  it('colour: --no-color off, --color on, else a terminal without NO_COLOR', () => {
    expect(colorFor({ isTTY: true }, {}, {})).toBe(true);
    expect(colorFor({ isTTY: true }, {}, { NO_COLOR: '1' })).toBe(false);
    expect(colorFor({ isTTY: true }, {}, { NO_COLOR: '' })).toBe(true);
    expect(colorFor({ isTTY: false }, {}, {})).toBe(false);
    expect(colorFor({ isTTY: true }, { 'no-color': true }, {})).toBe(false);
    expect(colorFor({ isTTY: true }, { color: false }, {})).toBe(false); // commander's --no-color
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

describe('parsing by commander: help, suggestions, version, usage errors', () => {
  const ROOT = resolve(import.meta.dirname, '../../..');
  async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t), cwd: ROOT, isTTY: false });
    return { code, out, err };
  }

  it('every command has --help and -h (exit 0, on stdout, its own options), also as `platform help <command>`', async () => {
    const docs = readFileSync(join(ROOT, 'docs/cli.md'), 'utf8');
    for (const name of commandNames()) {
      for (const argv of [[name, '--help'], [name, '-h'], ['help', name]]) {
        const r = await cli(...argv);
        expect(r.code, argv.join(' ')).toBe(0);
        expect(r.err).toBe('');
        expect(r.out).toMatch(new RegExp(`^Usage: platform ${name} `));
      }
      // docs/cli.md describes every option the real --help lists, under the command's own heading.
      const section = docs.split(/^## /m).find((s) => s.startsWith(`${name}\n`));
      expect(section, `docs/cli.md has no "## ${name}"`).toBeDefined();
      const flags = [...(await cli(name, '--help')).out.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]!).filter((f) => f !== '--help');
      for (const flag of flags) expect(section, `docs/cli.md ## ${name} does not mention ${flag}`).toContain(flag);
    }
  });

  it('`platform help` lists every command and the exit codes; `platform` alone is bad usage (help on stderr, exit 2)', async () => {
    const r = await cli('help');
    expect(r.code).toBe(0);
    for (const name of commandNames()) expect(r.out).toMatch(new RegExp(`^ {2}${name} `, 'm'));
    expect(r.out).toContain('Exit codes: 0 success');
    const bare = await cli();
    expect(bare.code).toBe(2);
    expect(bare.out).toBe('');
    expect(bare.err).toContain('Usage: platform <command>');
  });

  it('an unknown command or option suggests the nearest (exit 2); a bad value lists the choices (exit 2)', async () => {
    const cmd = await cli('generat');
    expect(cmd.code).toBe(2);
    expect(cmd.err).toMatch(/unknown command 'generat'\n\(Did you mean generate\?\)/);
    const opt = await cli('validate', '--formt', 'json');
    expect(opt.code).toBe(2);
    expect(opt.err).toMatch(/unknown option '--formt'\n\(Did you mean --format\?\)\nRun `platform validate --help` for usage\./);
    const value = await cli('images', '--format', 'xml');
    expect(value.code).toBe(2);
    expect(value.err).toMatch(/argument 'xml' is invalid\. Allowed choices are text, json\./);
    const missing = await cli('diff', '--base');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/option '--base <ref>' argument missing/);
    const extra = await cli('generate', 'trino');
    expect(extra.code).toBe(2);
    expect(extra.err).toMatch(/too many arguments for 'generate'/);
    for (const r of [cmd, opt, value, missing, extra]) expect(r.out).toBe('');
  });

  it('--version / -V: the commit of this checkout and node (exit 0)', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await cli(flag);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^platform commit [0-9a-f]{12}( \(modified\))?, node v\d+\.\d+\.\d+\n$/);
    }
  });

  it('inventory --cluster nosuch is bad usage with the valid choices (it said "problem in the definitions; nothing was written")', async () => {
    for (const name of ['nosuch', '../../etc']) {
      const r = await cli('inventory', '--cluster', name);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--cluster: ".*" is not a cluster of this repository\n {2}valid choices: multi-node, single-node\n/);
      expect(r.err).not.toMatch(/definitions|written/);
      expect(r.out).toBe('');
    }
    const ok = await cli('inventory', '--cluster', 'single-node', '--format', 'json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out).clusters.map((c: { cluster: string }) => c.cluster)).toEqual(['single-node']);
  });
});
