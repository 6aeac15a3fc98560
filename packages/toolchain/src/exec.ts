import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { noteToolRun } from './progress.ts';
import { performance } from 'node:perf_hooks';
import { processClock, recordProcess } from './timing.ts';

/**
 * The one way this repo runs processes: an argv array handed to `spawn` (no shell, so nothing is
 * ever re-interpreted), output collected as text, and a typed error from `execOrThrow`.
 */
export type ExecOptions = {
  cwd?: string;
  /** Merged over `process.env`; a key set to `undefined` is removed from the child's environment. */
  env?: Record<string, string | undefined>;
  /** Written to the child's stdin, which is then closed. */
  input?: string;
  timeoutMs?: number;
  /**
   * Run the child in its own process group and, on timeout, output over `maxOutputBytes`, or this
   * process exiting, kill the whole group (the child and anything it started): nothing is left behind.
   */
  killTree?: boolean;
  /** Kill the child once its stdout and stderr together exceed this many bytes (exit code EXIT_OUTPUT_LIMIT). */
  maxOutputBytes?: number;
  /** Scheduling niceness for the child (e.g. 10 for a long build on a shared machine). */
  niceness?: number;
  /** The tool's name for progress reports when `cmd` is a wrapper (runConfined: `unshare … kustomize`). */
  label?: string;
};

export type ExecResult = { stdout: string; stderr: string; exitCode: number };

/** Anything with `exec`'s shape; tests inject a fake to assert the exact commands. */
export type Runner = (cmd: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

/** Shell conventions, so callers can tell "not there" and "too slow" from an ordinary failure. */
export const EXIT_COMMAND_NOT_FOUND = 127;
export const EXIT_TIMED_OUT = 124;
/** The child was killed because its output exceeded `maxOutputBytes`. */
export const EXIT_OUTPUT_LIMIT = 125;

/** Process groups started with `killTree` that are still running: killed if this process exits first. */
const liveGroups = new Set<number>();
let exitHook = false;
function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export class ExecError extends Error {
  override readonly name = 'ExecError';
  readonly cmd: string;
  readonly args: readonly string[];
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;

  constructor(cmd: string, args: readonly string[], result: ExecResult) {
    const detail = result.stderr.trim() || result.stdout.trim();
    super(`\`${[cmd, ...args].join(' ')}\` exited with ${result.exitCode}${detail ? `: ${lastLines(detail, 20)}` : ''}`);
    this.cmd = cmd;
    this.args = args;
    this.stdout = result.stdout;
    this.stderr = result.stderr;
    this.exitCode = result.exitCode;
  }
}

/** The program a confining wrapper (unshare … -- prlimit … -- kustomize) runs, for timings. */
function programName(cmd: string, args: readonly string[]): string {
  const i = args.lastIndexOf('--');
  return /(^|\/)(unshare|prlimit)$/.test(cmd) && i >= 0 && args[i + 1] ? args[i + 1]! : cmd;
}

export const exec: Runner = (cmd, args, options = {}) =>
  new Promise((resolve) => {
    const tool = options.label ?? cmd;
    noteToolRun(tool, 'start');
    const clock = processClock();
    const child = spawn(cmd, [...args], {
      cwd: options.cwd,
      env: childEnv(options.env),
      shell: false,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: Boolean(options.killTree),
    });
    const group = options.killTree ? child.pid : undefined;
    if (group) {
      liveGroups.add(group);
      if (!exitHook) {
        exitHook = true;
        process.on('exit', () => {
          for (const g of liveGroups) killGroup(g);
        });
      }
    }
    const kill = () => (group ? killGroup(group) : child.kill('SIGKILL'));
    // Set at once, before the child forks its own workers (they inherit it).
    if (options.niceness !== undefined && child.pid !== undefined) trySetPriority(child.pid, options.niceness);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    let overflow = false;
    let bytes = 0;
    let settled = false;
    const finish = (result: ExecResult) => {
      if (settled) return;
      settled = true;
      noteToolRun(tool, 'end');
      if (clock !== undefined) recordProcess(programName(cmd, args), performance.now() - clock);
      if (timer) clearTimeout(timer);
      if (group) {
        // The child is gone; anything it started in its group goes with it.
        killGroup(group);
        liveGroups.delete(group);
      }
      resolve(result);
    };
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          kill();
        }, options.timeoutMs)
      : undefined;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      if (overflow) return;
      bytes += chunk.length;
      if (options.maxOutputBytes !== undefined && bytes > options.maxOutputBytes) {
        overflow = true;
        stdout.length = 0;
        kill();
        return;
      }
      into.push(chunk);
    };

    child.stdout.on('data', collect(stdout));
    child.stderr.on('data', collect(stderr));
    child.on('error', (error: NodeJS.ErrnoException) => {
      const exitCode = error.code === 'ENOENT' ? EXIT_COMMAND_NOT_FOUND : 1;
      finish({ stdout: '', stderr: `${cmd}: ${error.message}`, exitCode });
    });
    child.on('close', (code, signal) => {
      const err = Buffer.concat(stderr).toString('utf8');
      if (overflow) {
        finish({ stdout: '', stderr: `${cmd}: output over ${options.maxOutputBytes} bytes, killed`, exitCode: EXIT_OUTPUT_LIMIT });
        return;
      }
      if (timedOut) {
        finish({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: `${err}${cmd}: timed out after ${options.timeoutMs}ms`, exitCode: EXIT_TIMED_OUT });
        return;
      }
      finish({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: err, exitCode: code ?? signalExitCode(signal) });
    });
    // A child that exits without reading stdin makes the write fail with EPIPE; that is not our error.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });

export async function execOrThrow(cmd: string, args: readonly string[], options: ExecOptions = {}, runner: Runner = exec): Promise<ExecResult> {
  const result = await runner(cmd, args, options);
  if (result.exitCode !== 0) throw new ExecError(cmd, args, result);
  return result;
}

function childEnv(overrides: ExecOptions['env']): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

function trySetPriority(pid: number, niceness: number): void {
  try {
    setPriority(pid, niceness);
  } catch {
    // Best effort: a process that already exited, or a platform that refuses, runs at normal priority.
  }
}

function signalExitCode(signal: NodeJS.Signals | null): number {
  const signals: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return 128 + ((signal && signals[signal]) || 0);
}

export function lastLines(text: string, count: number): string {
  const lines = text.split('\n');
  return lines.length <= count ? text : ['…', ...lines.slice(-count)].join('\n');
}
