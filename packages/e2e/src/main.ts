import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { findRepoRoot } from '@carbon/toolchain';
import { probeApiLimits } from './api-limits.ts';
import { insideNetns, loopbackUp, netnsReport, probeConnect, reexecInNetns, sealedProblems } from './netns.ts';
import { formatResult } from './report.ts';
import { CLUSTERS, runE2e } from './run.ts';

export const ENTRY = fileURLToPath(new URL('../bin/e2e.mjs', import.meta.url));

export const USAGE = 'usage: platform e2e [--cluster C]... [--promotion | --skip-promotion] [--keep] [--json]';

/**
 * The shell behind `npm run e2e` and `platform e2e`: outside the namespace, re-executes the
 * entry under `unshare`; inside, runs and prints. Exit 0 pass, 1 a judgement failed, 2 bad usage
 * or a component that could not start.
 */
export async function e2eMain(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  let values: { cluster?: string[]; promotion?: boolean; 'skip-promotion'?: boolean; keep?: boolean; json?: boolean; 'probe-netns'?: boolean; 'probe-api-limits'?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { cluster: { type: 'string', multiple: true }, promotion: { type: 'boolean' }, 'skip-promotion': { type: 'boolean' }, keep: { type: 'boolean' }, json: { type: 'boolean' }, 'probe-netns': { type: 'boolean' }, 'probe-api-limits': { type: 'boolean' } }, strict: true }));
  } catch (e) {
    err(`error: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  for (const c of values.cluster ?? [])
    if (!CLUSTERS.includes(c)) {
      err(`error: --cluster ${c}: unknown cluster; clusters: ${CLUSTERS.join(', ')}\n`);
      return 2;
    }
  const both = !values.cluster?.length || (values.cluster.includes('single-node') && values.cluster.includes('multi-node'));
  if (values.promotion && values['skip-promotion']) {
    err(`error: --promotion and --skip-promotion exclude each other\n${USAGE}\n`);
    return 2;
  }
  if (values.promotion && !both) {
    err('error: --promotion runs the loop from single-node to multi-node: it needs both clusters (drop --cluster or name both)\n');
    return 2;
  }
  // The promotion loop runs whenever both clusters do, unless skipped.
  const promotion = both && !values['skip-promotion'];
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
    const readySeconds = Number(process.env.PLATFORM_E2E_READY_TIMEOUT ?? '');
    const result = await runE2e({ root, ...(readySeconds > 0 ? { readyTimeoutMs: readySeconds * 1000 } : {}), ...(values.cluster?.length ? { clusters: values.cluster } : {}), ...(values.keep ? { keep: true } : {}), ...(promotion ? { promotion: true } : {}), log: (s) => err(`${s}\n`) });
    out(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatResult(result));
    return result.ok ? 0 : 1;
  } catch (e) {
    err(`error: ${(e as Error).message}\n`);
    return 2;
  }
}
