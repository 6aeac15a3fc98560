import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultIo, EXIT, reportError, UsageError, type Io } from './io.ts';

type Command = { summary: string; run: (argv: string[], io: Io) => Promise<number> };

/**
 * Every file in ./commands is a command named after the file, exporting `summary` and `run`.
 * Commands load lazily so `platform images` does not pay for the diff engine.
 */
const COMMANDS_DIR = new URL('./commands/', import.meta.url);

function commandNames(): string[] {
  return readdirSync(fileURLToPath(COMMANDS_DIR))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

const COMMANDS: Record<string, () => Promise<Command>> = Object.fromEntries(
  commandNames().map((name) => [name, () => import(new URL(`${name}.ts`, COMMANDS_DIR).href) as Promise<Command>]),
);

async function help(io: Io): Promise<void> {
  io.out('usage: platform <command> [flags]\n\ncommands:\n');
  for (const [name, load] of Object.entries(COMMANDS)) {
    const c = await load();
    io.out(`  ${name.padEnd(10)} ${c.summary}\n`);
  }
  io.out('\nExit codes: 0 success, 1 findings at error severity (or stale output), 2 bad usage, bad input or tool failure.\nSee docs/cli.md.\n');
}

export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (!name || name === 'help' || name === '--help' || name === '-h') {
      await help(io);
      return name ? EXIT.ok : EXIT.usage;
    }
    const load = COMMANDS[name];
    if (!load) throw new UsageError(`unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(', ')}`);
    return await (await load()).run(rest, io);
  } catch (e) {
    return reportError(e, io);
  }
}
