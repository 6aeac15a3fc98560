import { e2eMain } from '@carbon/e2e';
import { Option } from 'commander';
import { option, repeatable } from '../args.ts';
import type { Io } from '../io.ts';

export const summary = 'both clusters reconciled by a real control plane, KWOK nodes and the real Flux controllers, in a network namespace, then one service promoted by a real Flux event (docs/e2e.md)';

export const options = [
  repeatable('--cluster <name>', 'only this cluster'),
  option('--keep', 'keep the state folder (logs, etcd data)'),
  option('--json', 'print the result object'),
  new Option('--probe-netns').hideHelp(),
];

/** e2eMain parses the same flags again: it re-executes itself inside the network namespace with them. */
export async function run(_values: unknown, io: Io, ctx: { argv: string[] }): Promise<number> {
  return e2eMain(ctx.argv, io.out, io.err);
}
