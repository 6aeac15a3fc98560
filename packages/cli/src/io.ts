import { DefinitionError, DefinitionErrors } from '@carbon/platform';
import { startProgress, type ProgressStream } from '@carbon/toolchain';

/** Exit codes of every command (design.md): 0 ok, 1 findings at error severity / stale output, 2 bad usage, bad input, tool failure. */
export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: string;
  isTTY: boolean;
  /** Where long commands draw their progress line (stderr); drawn only when it is a terminal. */
  progress?: ProgressStream;
}

export function defaultIo(): Io {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    isTTY: Boolean(process.stdout.isTTY),
    progress: process.stderr,
  };
}

/** Runs `work` with a progress line on `io.progress` when that is a terminal (nothing otherwise), cleared before it returns. */
export async function withProgress<T>(io: Io, title: string, work: () => Promise<T>): Promise<T> {
  const progress = startProgress(title, io.progress);
  try {
    return await work();
  } finally {
    progress.stop();
  }
}

/**
 * Whether to colour output: `--no-color` (`color: false`) off, `--color` on, otherwise only on a terminal and only
 * when NO_COLOR (https://no-color.org) is unset or empty. Every command that colours asks this.
 */
export function colorFor(io: Pick<Io, 'isTTY'>, flags: { color?: boolean | undefined; 'no-color'?: boolean | undefined } = {}, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flags['no-color'] || flags.color === false) return false;
  if (flags.color) return true;
  return io.isTTY && !env.NO_COLOR;
}

/** Turns any thrown error into a message on stderr and an exit code. */
export function reportError(e: unknown, io: Io, command?: string): number {
  if (e instanceof DefinitionErrors) {
    io.err(`error: ${e.errors.length} problem${e.errors.length === 1 ? '' : 's'} in the definitions; nothing was written\n`);
    for (const d of e.errors) io.err(`  ${d.message}\n`);
    return EXIT.usage;
  }
  if (e instanceof DefinitionError) {
    io.err(`error: ${e.message}\n`);
    return EXIT.usage;
  }
  if (e instanceof UsageError) {
    io.err(`error: ${e.message}\nRun \`platform ${command ? `${command} --help` : 'help'}\` for usage.\n`);
    return EXIT.usage;
  }
  const err = e as Error & { hint?: string };
  io.err(`error: ${err?.message ?? String(e)}\n`);
  if (err?.hint) io.err(`  ${err.hint}\n`);
  return EXIT.usage;
}
