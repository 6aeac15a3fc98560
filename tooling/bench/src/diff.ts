/**
 * Benchmark: our diff engine vs `dyff between` on the same two renderings, in the same run.
 *
 *  - repo: every service of this repository rendered for every cluster (`@carbon/generate`), against
 *    the same rendering after a typical platform change (an image bump on one service, more memory on
 *    another, a config change that renames a generated ConfigMap, lists reordered).
 *  - synthetic: 2,000 Deployments + 2,000 ConfigMaps + 500 Secrets, with image bumps everywhere,
 *    env reorders, a tenth of the objects changed and 100 removed/added.
 *
 * Both tools read the same two multi-document YAML files from disk: dyff parses them in its own
 * process; ours reads and parses them with `parseManifestStream` from @carbon/render (the parser
 * `platform diff` uses on kustomize's output: js-yaml with `yaml`'s core schema, values parsed on
 * first access) and then diffs, including masking, renames, risks and the markdown render; a
 * document byte-identical at base and head is skipped unparsed, as `platform diff` does. So the end-to-end timings compare the
 * same work; the engine alone is reported too. Median of N runs each.
 *
 * Run: `npx tsx tooling/bench/src/diff.ts [--runs N]`, or through tooling/bench/src/main.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { diffSection, renderMarkdown, totalsOf, type K8sObject, type ServiceObjects } from '@carbon/diff';
import { parseManifestStream } from '@carbon/render';
import { crdProvider, loadPlatform, renderPlatform } from '@carbon/generate';
import { ensureTools, exec, findRepoRoot, toolPath } from '@carbon/toolchain';

export interface DiffBenchCase {
  name: string;
  objects: number;
  /** Our engine on the parsed objects (what `platform diff` gets from @carbon/render) + the markdown report. */
  oursMs: number;
  /** End to end, like dyff: reading and parsing both YAML files (`parseManifestStream`) + engine + markdown. */
  oursWithParseMs: number;
  /** The same end to end with the identical-document shortcut off (`skipIdentical: false`): every document parsed and compared. */
  oursEverythingMs: number;
  dyffMs: number;
  /** dyff time / our engine time: above 1 means we are faster. */
  ratio: number;
  /** dyff time / our end-to-end time. */
  ratioWithParse: number;
  /** dyff time / our end-to-end time without the shortcut. */
  ratioEverything: number;
  changedResources: number;
}

export interface DiffBenchResult {
  bench: 'diff';
  runs: number;
  cases: DiffBenchCase[];
}

type Pair = { name: string; base: K8sObject[]; head: K8sObject[] };

const clone = <T>(x: T): T => structuredClone(x);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function repoPair(root: string): Promise<Pair> {
  const platform = await loadPlatform(root);
  // CRDs as the generator ships them (the same pinned sources); they are the largest objects in the rendering.
  const rendered = renderPlatform(platform, { crds: await crdProvider(root) });
  const base: K8sObject[] = [];
  for (const [cluster, services] of rendered.objects) {
    for (const [, objects] of services) for (const o of objects) base.push({ ...clone(o), metadata: { ...clone(o.metadata), annotations: { ...(o.metadata.annotations ?? {}), 'bench/cluster': cluster } } });
  }
  const head = base.map(clone);
  let bumped = false;
  let renamed = false;
  for (const o of head) {
    const spec = (o.spec as any)?.template?.spec;
    if (spec?.containers?.length && !bumped && /trino/.test(o.metadata.name)) {
      for (const c of spec.containers) c.image = String(c.image).replace(/:[^:@/]+$/, ':999');
      bumped = true;
    }
    if (spec?.containers?.[0]?.resources?.requests?.memory && o.metadata.name.includes('grafana')) spec.containers[0].resources.requests.memory = '1Gi';
    if (spec?.containers?.[0]?.env?.length > 1) spec.containers[0].env.reverse();
    if (o.kind === 'ConfigMap' && o.data && typeof o.data === 'object' && !renamed) {
      (o.data as Record<string, string>)['bench.conf'] = 'changed=1';
      o.metadata.name = `${o.metadata.name}-bench`;
      renamed = true;
    }
  }
  return { name: 'repo', base, head };
}

function syntheticPair(): Pair {
  const base: K8sObject[] = [];
  const head: K8sObject[] = [];
  const N = 2000;
  for (let i = 0; i < N; i++) {
    const env = Array.from({ length: 8 }, (_, k) => ({ name: `VAR_${k}`, value: `v${k}-${i}` }));
    const dep = (tag: string, reorder: boolean, replicas: number): K8sObject => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `svc-${i}`, namespace: `ns-${i % 20}`, labels: { app: `svc-${i}`, 'app.kubernetes.io/version': tag } },
      spec: {
        replicas,
        selector: { matchLabels: { app: `svc-${i}` } },
        template: {
          metadata: { labels: { app: `svc-${i}` } },
          spec: {
            containers: [
              {
                name: 'main',
                image: `harbor.example/svc:${tag}`,
                env: reorder ? [...env].reverse() : env,
                ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9090 }],
                resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
              },
            ],
          },
        },
      },
    });
    const cm = (conf: string): K8sObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cfg-${i}`, namespace: `ns-${i % 20}` }, data: { 'app.conf': conf, 'log.level': 'info' } });
    base.push(dep('455', false, 2), cm(`threads=4\ncache=${i}\n`));
    if (i >= 100) head.push(dep('461', i % 2 === 0, i % 10 === 0 ? 1 : 2), cm(i % 10 === 0 ? `threads=8\ncache=${i}\n` : `threads=4\ncache=${i}\n`));
    else head.push(cm(`threads=4\ncache=${i}\n`));
    if (i < 500) {
      const secret = (v: string): K8sObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `sec-${i}`, namespace: `ns-${i % 20}` }, data: { password: Buffer.from(v).toString('base64') } });
      base.push(secret(`p-${i}`));
      head.push(secret(i % 5 === 0 ? `q-${i}` : `p-${i}`));
    }
  }
  for (let i = 0; i < 100; i++) head.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `new-${i}`, namespace: 'ns-0' }, spec: { ports: [{ port: 80 }] } });
  return { name: 'synthetic', base, head };
}

function toYaml(objects: K8sObject[]): string {
  // Like kustomize's output: no anchors/aliases for objects the generator shares.
  return objects.map((o) => stringify(o, { aliasDuplicateObjects: false })).join('---\n');
}

/**
 * Values are parsed on first access, and the engine skips documents whose text is identical at
 * base and head without parsing them: end to end, nothing is touched up front. For the engine
 * alone (`touch`), every value is parsed before the clock starts.
 */
function parseFile(file: string, touch = false): ServiceObjects {
  const objects = parseManifestStream(readFileSync(file, 'utf8')) as unknown as K8sObject[];
  if (touch) for (const o of objects) for (const k of Object.keys(o)) void (o as Record<string, unknown>)[k];
  return new Map([['all', objects]]);
}

export async function runDiffBench(options: { root?: string; runs?: number; log?: (line: string) => void } = {}): Promise<DiffBenchResult> {
  const root = options.root ?? findRepoRoot();
  const runs = options.runs ?? 5;
  const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  await ensureTools(root);
  const dyff = toolPath(root, 'dyff');
  const dir = mkdtempSync(join(tmpdir(), 'bench-diff-'));
  const cases: DiffBenchCase[] = [];
  try {
    for (const pair of [await repoPair(root), syntheticPair()]) {
      const from = join(dir, `${pair.name}-base.yaml`);
      const to = join(dir, `${pair.name}-head.yaml`);
      writeFileSync(from, toYaml(pair.base));
      writeFileSync(to, toYaml(pair.head));
      const ours: number[] = [];
      const oursWithParse: number[] = [];
      const theirs: number[] = [];
      let changed = 0;
      const everything: number[] = [];
      const engine = (base: ServiceObjects, head: ServiceObjects, skipIdentical = true) => {
        const section = diffSection({ cluster: 'bench', kind: 'on-merge', title: pair.name, base, head }, { skipIdentical });
        renderMarkdown({ schemaVersion: 1, base: { ref: 'base', commit: '0'.repeat(40) }, head: { ref: 'head', commit: '1'.repeat(40) }, sections: [section], totals: totalsOf([section]), warnings: [] });
        return section;
      };
      for (let r = 0; r < runs; r++) {
        const t0 = performance.now();
        changed = engine(parseFile(from), parseFile(to)).resources.length;
        oursWithParse.push(performance.now() - t0);
        const [pb, ph] = [parseFile(from, true), parseFile(to, true)];
        const t1 = performance.now();
        engine(pb, ph);
        ours.push(performance.now() - t1);
        const t2 = performance.now();
        engine(parseFile(from), parseFile(to), false);
        everything.push(performance.now() - t2);
        const t3 = performance.now();
        // -i: order-insensitive like ours; brief output so dyff's own formatting is not the bottleneck.
        const res = await exec(dyff, ['between', '--omit-header', '--ignore-order-changes', '--output', 'brief', from, to]);
        theirs.push(performance.now() - t3);
        if (res.exitCode !== 0 && res.exitCode !== 1) throw new Error(`dyff failed (${res.exitCode}): ${res.stderr.slice(0, 500)}`);
      }
      const c: DiffBenchCase = {
        name: pair.name,
        objects: pair.base.length + pair.head.length,
        oursMs: median(ours),
        oursWithParseMs: median(oursWithParse),
        dyffMs: median(theirs),
        ratio: median(theirs) / median(ours),
        ratioWithParse: median(theirs) / median(oursWithParse),
        oursEverythingMs: median(everything),
        ratioEverything: median(theirs) / median(everything),
        changedResources: changed,
      };
      cases.push(c);
      log(
        `diff/${c.name}: ${c.objects} objects, ${c.changedResources} changed resources — dyff ${c.dyffMs.toFixed(0)} ms; ours ${c.oursMs.toFixed(0)} ms (dyff/ours ${c.ratio.toFixed(2)}×), ours end to end (read + parse + engine + markdown) ${c.oursWithParseMs.toFixed(0)} ms (dyff/ours ${c.ratioWithParse.toFixed(2)}×); without the identical-document shortcut ${c.oursEverythingMs.toFixed(0)} ms (dyff/ours ${c.ratioEverything.toFixed(2)}×); median of ${runs}`,
      );
    }
  } finally {
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true }); else log(`kept ${dir}`);
  }
  return { bench: 'diff', runs, cases };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--runs');
  const runs = i > 0 ? Number(process.argv[i + 1]) : 5;
  const result = await runDiffBench({ runs });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
