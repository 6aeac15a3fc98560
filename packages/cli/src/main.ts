import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import type { CommandModule } from './args.ts';
import { defaultIo, EXIT, reportError, type Io } from './io.ts';

export type { Io } from './io.ts';

/**
 * Every file in ./commands is a command named after the file, exporting a CommandModule's fields
 * (`summary`, `options`, `run`, ...). Commands load lazily: `platform images` loads only
 * images.ts, so it does not pay for the diff engine; help, an unknown command or a root flag
 * loads them all (for the list and the "did you mean").
 */
const COMMANDS_DIR = new URL('./commands/', import.meta.url);

export function commandNames(): string[] {
  return readdirSync(fileURLToPath(COMMANDS_DIR))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

const load = (name: string) => import(new URL(`${name}.ts`, COMMANDS_DIR).href) as Promise<CommandModule>;

const EXIT_CODES = 'Exit codes: 0 success, 1 findings at error severity (or stale output), 2 bad usage, bad input or tool failure.\nSee docs/cli.md.';

/** `platform --version`: the commit of the checkout the command runs from (the repository is the release). */
function version(): string {
  let commit = 'unknown commit';
  try {
    const cwd = fileURLToPath(new URL('../', import.meta.url));
    const sha = execFileSync('git', ['-C', cwd, 'rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    const dirty = execFileSync('git', ['-C', cwd, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    commit = `commit ${sha}${dirty ? ' (modified)' : ''}`;
  } catch {
    // not a git checkout (an installed copy): say so rather than fail
  }
  return `platform ${commit}, node ${process.version}`;
}

/** The commander program for `names`: every command with its options, help and action. */
export async function program(names: string[], io: Io, onRun: (code: number) => void, argv: string[]): Promise<Command> {
  const root = new Command('platform')
    .description('The 254Carbon platform repository: generate, validate, diff and promote what Flux applies to each cluster.')
    .usage('<command> [options]')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err, getOutHelpWidth: () => 100, getErrHelpWidth: () => 100 })
    .showHelpAfterError('Run `platform help` for usage.')
    .helpCommand('help [command]', 'show help for a command')
    .addHelpText('after', `\n${EXIT_CODES}`);
  if (names.length > 1 || argv.some((a) => a === '--version' || a === '-V')) root.version(version(), '-V, --version', 'print the version (the commit of this checkout)');
  for (const name of names) {
    const mod = await load(name);
    const cmd = root.command(name).summary(mod.summary).description(mod.summary).showHelpAfterError(`Run \`platform ${name} --help\` for usage.`);
    if (mod.args) cmd.arguments(mod.args);
    for (const o of mod.options ?? []) cmd.addOption(o);
    if (mod.help) cmd.addHelpText('after', `\n${mod.help}`);
    cmd.action(async (...params: unknown[]) => {
      const self = params.at(-1) as Command;
      onRun(await mod.run(self.opts(), io, { args: self.args, argv: argv.slice(1) }));
    });
  }
  return root;
}

export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const all = commandNames();
  const [first] = argv;
  const names = first && all.includes(first) ? [first] : all;
  let code: number = EXIT.ok;
  try {
    const root = await program(names, io, (c) => (code = c), argv);
    await root.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help, help and --version exit 0; `platform` alone prints the help and is bad usage, as is every parse error.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return reportError(e, io, first && all.includes(first) ? first : undefined);
  }
}
