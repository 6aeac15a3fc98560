import { Option } from 'commander';
import type { Io } from './io.ts';

/**
 * One `platform` command: a file in ./commands named after the command. Parsing, `--help`,
 * suggestions and usage errors come from commander (main.ts); the module only declares its
 * options and is a thin shell over library functions.
 */
export interface CommandModule<O = Record<string, unknown>> {
  /** One line for `platform help`. */
  summary: string;
  /** Positional arguments in commander syntax (`<service>`); none when absent. */
  args?: string;
  options?: Option[];
  /** Extra lines after the options in `platform <command> --help`. */
  help?: string;
  run: (opts: O, io: Io, ctx: { args: string[]; argv: string[] }) => Promise<number>;
}

/** `--flag <value>` given any number of times: the values in order. */
export function repeatable(flags: string, description: string): Option {
  return new Option(flags, `${description} (repeatable)`).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
}

/** `--flag <value>` limited to `choices`: anything else is a usage error (exit 2) listing them. */
export function choice<const T extends string>(flags: string, description: string, choices: readonly T[], fallback?: T): Option {
  const o = new Option(flags, description).choices(choices);
  return fallback === undefined ? o : o.default(fallback);
}

/** A plain option (a boolean flag, or `--flag <value>`). */
export function option(flags: string, description: string): Option {
  return new Option(flags, description);
}

/** `--color` / `--no-color`: both, so an unset flag stays undefined (colour then follows the terminal and NO_COLOR). */
export const colorOptions = (): Option[] => [option('--color', 'colour even when not on a terminal'), option('--no-color', 'never colour (NO_COLOR=1 does the same)')];
