import { basename } from 'node:path';

/**
 * Progress for long commands (validate, diff, check, capacity render many trees and run
 * kustomize, helm, kubeconform and git dozens of times): one line on a terminal, rewritten in
 * place, saying how long it has run and which tools have run how often. Every child process goes
 * through `exec`, which reports each one here, so no library has to thread a callback through.
 *
 * Shown only when the stream is a terminal (and `CI` is unset, and TERM is not `dumb`): in CI,
 * in a pipe or in a file nothing at all is written, so output that is parsed stays byte-identical.
 */

/** `reused`: a result taken from the render cache instead of running the tool. */
export type ToolRun = { tool: string; phase: 'start' | 'end' | 'reused' };
type Listener = (run: ToolRun) => void;

const listeners = new Set<Listener>();

/** Called by `exec` when a child starts and ends; `tool` is the program's base name (or the label a wrapper gave). */
export function noteToolRun(tool: string, phase: ToolRun['phase']): void {
  for (const l of listeners) l({ tool: basename(tool), phase });
}

/** Observe every child process this process runs; returns the unsubscribe. */
export function onToolRun(listener: Listener): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/** What progress writes to: process.stderr, or a double in tests. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface Progress {
  /** Clears the line; call once, before the command prints its result. */
  stop(): void;
}

const NONE: Progress = { stop: () => undefined };
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Whether `startProgress` would draw on `stream`. */
export function progressShown(stream: ProgressStream | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream?.isTTY) && !env.CI && env.TERM !== 'dumb';
}

/**
 * Starts a progress line `<title> ⠙ 12s · kustomize 37 · kubeconform 2 (3 running)` on `stream`
 * (tools by how often they ran),
 * redrawn every `intervalMs` and on each finished tool run (at most that often), or does nothing
 * at all when the stream is not a terminal.
 */
export function startProgress(title: string, stream: ProgressStream | undefined, options: { env?: NodeJS.ProcessEnv; intervalMs?: number; now?: () => number } = {}): Progress {
  if (!stream || !progressShown(stream, options.env)) return NONE;
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 200;
  const started = now();
  const done = new Map<string, number>();
  const reused = new Map<string, number>();
  let running = 0;
  let frame = 0;
  let drawn = 0;
  let stopped = false;
  const draw = () => {
    if (stopped) return;
    drawn = now();
    const secs = Math.floor((drawn - started) / 1000);
    const total = (tool: string) => (done.get(tool) ?? 0) + (reused.get(tool) ?? 0);
    const counts = [...new Set([...done.keys(), ...reused.keys()])]
      .sort((a, b) => total(b) - total(a))
      .map((tool) => `${tool} ${done.get(tool) ?? 0}${reused.get(tool) ? ` (+${reused.get(tool)} reused)` : ''}`)
      .join(' · ');
    const line = `${title} ${FRAMES[frame++ % FRAMES.length]} ${secs}s${counts ? ` · ${counts}` : ''}${running ? ` (${running} running)` : ''}`;
    const width = Math.max(20, (stream.columns || 80) - 1);
    stream.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
  };
  const off = onToolRun(({ tool, phase }) => {
    if (phase === 'start') running++;
    else if (phase === 'reused') reused.set(tool, (reused.get(tool) ?? 0) + 1);
    else {
      running = Math.max(0, running - 1);
      done.set(tool, (done.get(tool) ?? 0) + 1);
    }
    if (now() - drawn >= interval) draw();
  });
  const timer = setInterval(draw, interval);
  timer.unref();
  draw();
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      off();
      stream.write('\r\x1b[2K');
    },
  };
}
