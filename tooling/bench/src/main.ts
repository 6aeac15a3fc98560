/**
 * `npm run bench`: runs every registered benchmark in this process and prints each result, then a
 * JSON summary. A benchmark is a module exporting `run…Bench(options)`; register it below.
 *
 *   npm run bench                 every bench
 *   npm run bench -- validate     only the named ones
 *   npm run bench -- --runs 5     median of 5 runs
 *   npm run bench -- check --sizes 100,300   the PR check bench with smaller synthetic platforms
 *   npm run bench -- profile      where the time of validate/diff goes (not in the default set)
 */
import { runCheckBench } from './check.ts';
import { runDiffBench } from './diff.ts';
import { runForeignBench } from './foreign.ts';
import { runProfileBench } from './profile.ts';
import { runValidateBench } from './validate.ts';

type BenchOptions = { runs?: number; sizes?: number[]; log: (line: string) => void };
/** `onlyByName`: not part of a plain `npm run bench` (a measurement without a ratio, run when asked). */
type Bench = { name: string; run: (options: BenchOptions) => Promise<unknown>; onlyByName?: boolean };

export const BENCHES: Bench[] = [
  { name: 'validate', run: (o) => runValidateBench(o) },
  { name: 'diff', run: (o) => runDiffBench(o) },
  { name: 'check', run: (o) => runCheckBench({ ...o, ...(o.sizes ? { sizes: o.sizes } : {}) }) },
  { name: 'foreign', run: (o) => runForeignBench(o) },
  { name: 'profile', run: (o) => runProfileBench(o), onlyByName: true },
];

async function main(argv: string[]): Promise<number> {
  const i = argv.indexOf('--runs');
  const runs = i >= 0 ? Number(argv[i + 1]) : undefined;
  const k = argv.indexOf('--sizes');
  const sizes = k >= 0 ? String(argv[k + 1]).split(',').map(Number) : undefined;
  if (sizes && sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    process.stderr.write('--sizes: a comma-separated list of service counts, e.g. 100,300,1000\n');
    return 2;
  }
  const names = argv.filter((a, j) => !a.startsWith('--') && argv[j - 1] !== '--runs' && argv[j - 1] !== '--sizes');
  const unknown = names.filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length) {
    process.stderr.write(`unknown bench ${unknown.join(', ')}; benches: ${BENCHES.map((b) => b.name).join(', ')}\n`);
    return 2;
  }
  const selected = names.length ? BENCHES.filter((b) => names.includes(b.name)) : BENCHES.filter((b) => !b.onlyByName);
  const results: unknown[] = [];
  for (const b of selected) {
    process.stdout.write(`== ${b.name}\n`);
    results.push(await b.run({ ...(runs ? { runs } : {}), ...(sizes ? { sizes } : {}), log: (l) => process.stdout.write(`${l}\n`) }));
  }
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
