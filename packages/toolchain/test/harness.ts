import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/**
 * Test harness for hostile inputs: a loopback listener that records every connection attempt,
 * and a poller that measures the peak resident memory of a whole process tree (every process
 * carrying a marker in its environment, so children in other namespaces and orphans count too).
 */

export type Listener = { port: number; connections: () => number; close: () => Promise<void> };

/** A TCP listener on 127.0.0.1 that counts connections (and closes each at once). */
export async function loopbackListener(): Promise<Listener> {
  let count = 0;
  const server: Server = createServer((s) => {
    count++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { port, connections: () => count, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const MARKER = 'HOSTILE_TREE_MARKER';

/** Pids whose environment carries `MARKER=id` (the process tree started with that marker). */
export function markedPids(id: string): number[] {
  const needle = `${MARKER}=${id}`;
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/environ`, 'latin1').split('\0').includes(needle)) out.push(Number(e));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples the summed RSS of every marked process every `ms` until stopped; returns the peak. */
export function treePeak(id: string, ms = 40): { stop: () => number } {
  let peak = 0;
  let pids: number[] = [];
  let tick = 0;
  const sample = () => {
    // Re-listing /proc is the costly part: every 5th sample, and RSS of the known pids in between.
    if (tick++ % 5 === 0) pids = markedPids(id);
    const total = pids.reduce((s, p) => s + rssBytes(p), 0);
    if (total > peak) peak = total;
  };
  sample();
  const timer = setInterval(sample, ms);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

export type Measured = { code: number; stdout: string; stderr: string; ms: number; peakBytes: number; leftover: number[] };

/**
 * Runs a command with a fresh marker, measuring wall time and the tree's peak RSS; afterwards,
 * `leftover` lists marked processes still alive (a tree that was not killed).
 */
export async function measure(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Measured> {
  const id = randomUUID();
  const started = performance.now();
  const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env, [MARKER]: id }, stdio: ['ignore', 'pipe', 'pipe'] });
  const poll = treePeak(id);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const guard = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? 137)));
  clearTimeout(guard);
  const ms = performance.now() - started;
  const peakBytes = poll.stop();
  await new Promise((r) => setTimeout(r, 200));
  return { code, stdout, stderr, ms, peakBytes, leftover: markedPids(id) };
}

export { MARKER };

/** A 20-line YAML file whose aliases expand to 9^9 strings (a "billion laughs"). */
export const ALIAS_BOMB = `apiVersion: v1
kind: ConfigMap
metadata:
  name: lol
data:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`;
