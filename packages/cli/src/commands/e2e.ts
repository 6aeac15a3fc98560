import { e2eMain } from '@carbon/e2e';
import type { Io } from '../io.ts';

export const summary = 'both clusters reconciled by a real control plane, KWOK nodes and the real Flux controllers, in a network namespace (docs/e2e.md)';

export async function run(argv: string[], io: Io): Promise<number> {
  return e2eMain(argv, io.out, io.err);
}
