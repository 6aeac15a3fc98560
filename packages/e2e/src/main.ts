import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { findRepoRoot } from '@carbon/toolchain';
import { probeApiLimits } from './api-limits.ts';
import { insideNetns, loopbackUp, netnsReport, probeConnect, reexecInNetns, sealedProblems } from './netns.ts';
import { formatResult } from './report.ts';
import { CLUSTERS, runE2e } from './run.ts';

export const ENTRY = fileURLToPath(new URL('../bin/e2e.mjs', import.meta.url));

export const USAGE = 'usage: platform e2e [--cluster C]... [--keep] [--json]';

/**
 * The shell behind `npm run e2e` and `platform e2e`: outside the namespace, re-executes the
 * entry under `unshare`; inside, runs and prints. Exit 0 pass, 1 a judgement failed, 2 bad usage
 * or a component that could not start.
 */
export async function e2eMain(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  let values: { cluster?: string[]; keep?: boolean; json?: boolean; 'probe-netns'?: boolean; 'probe-api-limits'?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { cluster: { type: 'string', multiple: true }, keep: { type: 'boolean' }, json: { type: 'boolean' }, 'probe-netns': { type: 'boolean' }, 'probe-api-limits': { type: 'boolean' } }, strict: true }));
  } catch (e) {
    err(`error: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  for (const c of values.cluster ?? [])
    if (!CLUSTERS.includes(c)) {
      err(`error: --cluster ${c}: unknown cluster; clusters: ${CLUSTERS.join(', ')}\n`);
      return 2;
    }
  if (!insideNetns()) return reexecInNetns(ENTRY, argv);
  if (values['probe-netns']) {
    // What the namespace looks like from inside, for the test that proves nothing can leave.
    await loopbackUp();
    const probes = Object.fromEntries(await Promise.all(['10.96.0.1', '10.0.0.1', '192.168.1.1', '1.1.1.1'].map(async (h) => [h, await probeConnect(h, 443)] as const)));
    out(`${JSON.stringify({ report: netnsReport(), problems: await sealedProblems(), probes, after: netnsReport() })}\n`);
    return 0;
  }
  const root = findRepoRoot(process.cwd());
  if (values['probe-api-limits']) {
    // validate's INP003/INP004 against the real API server, for the test that proves them.
    await loopbackUp();
    out(`${JSON.stringify({ probes: await probeApiLimits(root, (s) => err(`${s}\n`)), after: netnsReport() })}\n`);
    return 0;
  }
  try {
    const result = await runE2e({ root, ...(values.cluster?.length ? { clusters: values.cluster } : {}), ...(values.keep ? { keep: true } : {}), log: (s) => err(`${s}\n`) });
    out(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatResult(result));
    return result.ok ? 0 : 1;
  } catch (e) {
    err(`error: ${(e as Error).message}\n`);
    return 2;
  }
}
