import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';

/**
 * Timing spans for "where does the time of a run go": set PLATFORM_TIMINGS=1 and every command
 * prints, on stderr when the process exits, the summed wall time and count of each named span and
 * of each program it started (`proc <name>`). Spans that run concurrently are summed, so their sum
 * can exceed the run's wall time; `first span` and `exit` say when work started and ended since the
 * process began (the difference to zero is module loading). Off: one env lookup per span, nothing kept.
 */
export const TIMINGS_ENV = 'PLATFORM_TIMINGS';

type Span = { count: number; ms: number };
const spans = new Map<string, Span>();
let firstAt: number | undefined;
let hooked = false;

export function timingsEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[TIMINGS_ENV] === '1';
}

function add(name: string, ms: number): void {
  const s = spans.get(name) ?? { count: 0, ms: 0 };
  s.count++;
  s.ms += ms;
  spans.set(name, s);
  if (!hooked) {
    hooked = true;
    process.on('exit', () => process.stderr.write(timingReport()));
  }
}

function start(): number {
  const t = performance.now();
  firstAt ??= t;
  return t;
}

/** Times `fn` under `name` when timings are on. */
export async function span<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (!timingsEnabled()) return fn();
  const t = start();
  try {
    return await fn();
  } finally {
    add(name, performance.now() - t);
  }
}

export function spanSync<T>(name: string, fn: () => T): T {
  if (!timingsEnabled()) return fn();
  const t = start();
  try {
    return fn();
  } finally {
    add(name, performance.now() - t);
  }
}

/** Records a process that ran `ms` (called by exec). */
export function recordProcess(cmd: string, ms: number): void {
  if (timingsEnabled()) add(`proc ${basename(cmd)}`, ms);
}

/** When timings are on: a clock for a process started now, to pass its end to recordProcess. */
export function processClock(): number | undefined {
  return timingsEnabled() ? start() : undefined;
}

/** The spans so far, largest first, as text. */
export function timingReport(): string {
  const rows = [...spans].sort((a, b) => b[1].ms - a[1].ms);
  const lines = rows.map(([n, s]) => `  ${Math.round(s.ms).toString().padStart(8)} ms ${String(s.count).padStart(5)}×  ${n}`);
  return `timings (PLATFORM_TIMINGS=1; concurrent spans summed): first span at ${Math.round(firstAt ?? 0)} ms, exit at ${Math.round(performance.now())} ms since start\n${lines.join('\n')}\n`;
}

/** The spans as data (bench, tests); `reset` clears them. */
export function timingSpans(reset = false): Record<string, Span> {
  const out = Object.fromEntries([...spans].map(([k, v]) => [k, { ...v }]));
  if (reset) {
    spans.clear();
    firstAt = undefined;
  }
  return out;
}
