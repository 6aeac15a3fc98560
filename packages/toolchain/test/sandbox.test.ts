import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confinement, DEFAULT_MEMORY_BYTES, exec, installedTool, runConfined } from '../src/index.ts';
import { ALIAS_BOMB, loopbackListener, MARKER, markedPids, treePeak, type Listener } from './harness.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const KUSTOMIZE = join(ROOT, '.tools/bin/kustomize');
const GiB = 1024 * 1024 * 1024;


const connectScript = (port: number) =>
  `require('net').connect(${port}, '127.0.0.1').on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(3); })`;

let listener: Listener;
let dir = '';
beforeAll(async () => {
  listener = await loopbackListener();
  dir = mkdtempSync(join(tmpdir(), 'sandbox-test-'));
});
afterAll(async () => {
  await listener.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('runConfined', () => {
  it('finds a network namespace and a memory ceiling on this machine (root: unshare --net; prlimit --data)', async () => {
    const c = await confinement();
    expect(c.memory).toBe('rlimit');
    // As root (this machine and CI) `unshare --net` must work; elsewhere an unprivileged user namespace may.
    if (process.getuid?.() === 0) expect(c.network).toBe('netns');
    expect(c.network).not.toBe('none');
  });

  it('cuts the network: a child that connects to a loopback listener cannot reach it (and can without confinement)', async () => {
    const before = listener.connections();
    const open = await exec(process.execPath, ['-e', connectScript(listener.port)], { timeoutMs: 20_000 });
    expect(open.stdout.trim()).toBe('connected'); // the control: the test can see a connection
    expect(listener.connections()).toBe(before + 1);
    const confined = await runConfined(process.execPath, ['-e', connectScript(listener.port)], { timeoutMs: 20_000, memoryBytes: 2 * GiB });
    expect(confined.stdout.trim()).toMatch(/ENETUNREACH|ECONNREFUSED/);
    expect(listener.connections()).toBe(before + 1);
  });

  it('kustomize cannot fetch a remote base: no connection reaches the listener (without confinement it does)', async () => {
    installedTool(ROOT, 'kustomize'); // missing: a failure naming `npm run setup`, never a skip
    writeFileSync(join(dir, 'kustomization.yaml'), `resources:\n- http://127.0.0.1:${listener.port}/org/repo?ref=main\n`);
    const before = listener.connections();
    const confined = await runConfined(KUSTOMIZE, ['build', dir], { timeoutMs: 60_000 });
    expect(confined.exitCode).not.toBe(0);
    expect(listener.connections()).toBe(before);
    const open = await exec(KUSTOMIZE, ['build', dir], { timeoutMs: 60_000, env: { GIT_TERMINAL_PROMPT: '0' } });
    expect(open.exitCode).not.toBe(0);
    expect(listener.connections()).toBeGreaterThan(before);
  });

  it('stops kustomize on a YAML alias bomb at its memory ceiling within seconds, peak under 1 GiB, nothing left running', async () => {
    installedTool(ROOT, 'kustomize');
    const bomb = mkdtempSync(join(dir, 'bomb-'));
    writeFileSync(join(bomb, 'bomb.yaml'), ALIAS_BOMB);
    writeFileSync(join(bomb, 'kustomization.yaml'), 'resources: [bomb.yaml]\n');
    const id = randomUUID();
    const poll = treePeak(id);
    const started = performance.now();
    const res = await runConfined(KUSTOMIZE, ['build', bomb], { timeoutMs: 60_000, env: { [MARKER]: id } });
    const ms = performance.now() - started;
    const peak = poll.stop();
    expect(res.limit).toBe('memory');
    expect(ms).toBeLessThan(15_000);
    expect(peak).toBeGreaterThan(0); // the poller saw the process
    expect(peak).toBeLessThan(GiB);
    expect(peak).toBeLessThan(DEFAULT_MEMORY_BYTES + 64 * 1024 * 1024);
    expect(markedPids(id)).toEqual([]);
  });

  it('kills the whole process tree on timeout: no grandchild survives', async () => {
    const id = randomUUID();
    const started = performance.now();
    const res = await runConfined('sh', ['-c', 'sleep 30 & sleep 30 & wait'], { timeoutMs: 500, env: { [MARKER]: id } });
    expect(res.limit).toBe('time');
    expect(performance.now() - started).toBeLessThan(10_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(markedPids(id)).toEqual([]);
  });

  it('kills a tool whose output passes the cap', async () => {
    const res = await runConfined('yes', [], { timeoutMs: 20_000, maxOutputBytes: 1024 * 1024 });
    expect(res.limit).toBe('output');
    expect(res.stdout).toBe('');
  });
});
