import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RenderSession, type FluxKustomization } from '@carbon/render';
import { execOrThrow } from '@carbon/toolchain';
import { bootstrap, bootstrapPatches, describePatches, unservable, type Drop } from './bootstrap.ts';
import { fluxCrds, installCrds, startControlPlane, startFlux, type ControlPlane } from './cluster.ts';
import { locations, type Locations } from './components.ts';
import { applyDispatchSecret, describeProviderPatches, providerPatches, runPromotion, startPromotionDouble, type PromotionDouble, type PromotionResult } from './promotion.ts';
import { startGitServer, type GitServer } from './git-server.ts';
import { checkApplied, comparePlacement, dependsOnOrder, JudgementError, renderIndex, waitKustomizations, waitPods, type PlacementComparison } from './judge.ts';
import { insideNetns, loopbackUp, sealedProblems } from './netns.ts';
import { Supervisor } from './supervisor.ts';
import { startVolumeBinder } from './volumes.ts';

export const CLUSTERS = ['single-node', 'multi-node'];

export type E2eOptions = {
  root: string;
  clusters?: string[];
  /**
   * After both clusters are Ready, run the promotion loop (docs/e2e.md): a change to one service on
   * main, single-node's real repository_dispatch, the promote action, the merged pin on multi-node.
   */
  promotion?: boolean;
  /** Keep the state folder (logs, etcd data) for inspection. */
  keep?: boolean;
  /** Per-cluster limit for every Kustomization to be Ready. */
  readyTimeoutMs?: number;
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
};

export type ClusterResult = {
  cluster: string;
  secondsToReady: number;
  kustomizations: number;
  objectsApplied: number;
  accepted: Record<string, number>;
  pods: { total: number; running: number; succeeded: number };
  placement: PlacementComparison;
  volumesBound: number;
  drops: Drop[];
};

export type E2eResult = { ok: boolean; clusters: ClusterResult[]; problems: string[]; peakRssBytes: number; seconds: number; commit: string; promotion?: PromotionResult };

/** The repository as served: a clone of HEAD (what is committed is what Flux sees), and a bare origin. */
async function prepareRepo(root: string, stateDir: string): Promise<{ work: string; projectRoot: string; bare: string; commit: string }> {
  const work = join(stateDir, 'work');
  const projectRoot = join(stateDir, 'git');
  mkdirSync(projectRoot);
  const commit = (await execOrThrow('git', ['-C', root, 'rev-parse', 'HEAD'])).stdout.trim();
  await execOrThrow('git', ['clone', '-q', '--no-hardlinks', root, work]);
  await execOrThrow('git', ['-C', work, 'checkout', '-q', '-B', 'main', commit]);
  await execOrThrow('git', ['clone', '-q', '--bare', work, join(projectRoot, 'platform.git')]);
  await execOrThrow('git', ['-C', join(projectRoot, 'platform.git'), 'symbolic-ref', 'HEAD', 'refs/heads/main']);
  return { work, projectRoot, bare: join(projectRoot, 'platform.git'), commit };
}

/**
 * Brings up each cluster's control plane and Flux inside this process's network namespace,
 * bootstraps it from the loopback git server, and judges the result. Stops everything and
 * removes the state folder at the end (also on failure; Ctrl-C is handled by the caller).
 */
export async function runE2e(options: E2eOptions): Promise<E2eResult> {
  const started = performance.now();
  const log = options.log ?? ((s: string) => process.stdout.write(`${s}\n`));
  const env = options.env ?? process.env;
  if (!insideNetns(env)) throw new Error('runE2e runs only inside the e2e network namespace (use runInNetns / `npm run e2e`)');
  await loopbackUp();
  const problems: string[] = [];
  const sealed = await sealedProblems();
  if (sealed.length) throw new Error(`the network namespace is not sealed: ${sealed.join('; ')}`);
  log('network namespace: only lo, no route; connects to 10.96.0.1, 10.255.255.53 and 1.1.1.1 fail with ENETUNREACH');

  const loc: Locations = locations(options.root, env);
  const stateDir = mkdtempSync(join(tmpdir(), 'carbon-e2e-'));
  const sup = new Supervisor(stateDir);
  const binders: { stop(): void }[] = [];
  let git: GitServer | undefined;
  let promotionDouble: PromotionDouble | undefined;
  let promotion: PromotionResult | undefined;
  let commit = '';
  const results: ClusterResult[] = [];
  // Ctrl-C / SIGTERM: stop every component, remove the state, exit 130. (Were this process killed
  // outright, the PID namespace would still take every component with it.)
  const onSignal = () => {
    void (async () => {
      for (const b of binders) b.stop();
      await sup.stopAll(2000);
      await git?.close();
      await promotionDouble?.close();
      if (!options.keep) rmSync(stateDir, { recursive: true, force: true });
      log(`interrupted: every component stopped, state folder ${options.keep ? `kept in ${stateDir}` : 'removed'}`);
      process.exit(130);
    })();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const repo = await prepareRepo(options.root, stateDir);
    commit = repo.commit;
    const credentials = { username: 'flux', password: randomBytes(18).toString('base64url') };
    git = await startGitServer(repo.projectRoot, credentials);
    const gitUrl = `${git.url}/platform.git`;
    log(`git: ${commit.slice(0, 12)} served at ${gitUrl} (basic auth from the flux-system Secret)`);
    sup.sampleMemory();
    const crds = fluxCrds(loc);
    const session = new RenderSession(repo.work, { toolsRoot: options.root });
    const clusters = options.clusters ?? CLUSTERS;
    if (options.promotion) {
      const missing = ['single-node', 'multi-node'].filter((c) => !clusters.includes(c));
      if (missing.length) throw new Error(`--promotion needs both clusters (missing ${missing.join(', ')})`);
      promotionDouble = await startPromotionDouble(repo.bare);
      log(`promotion: GitHub API double at ${promotionDouble.proxy.url} (loopback, inside the namespace; branches from the loopback origin, merges made in it)`);
    }
    const planes = new Map<string, ControlPlane>();
    const run = async (cluster: string): Promise<ClusterResult> => {
      // The render (what Flux should apply) runs while the control plane starts.
      const rendering = session.renderCluster(cluster, `clusters/${cluster}`);
      rendering.catch(() => undefined);
      const cp: ControlPlane = await startControlPlane({ root: repo.work, cluster, stateDir, loc, sup, log });
      planes.set(cluster, cp);
      const rendered = await rendering;
      if (rendered.errors.some((e) => e.severity === 'error')) throw new JudgementError(`${cluster}: the tree does not render: ${rendered.errors.map((e) => `${e.file}: ${e.message}`).join('; ')}`);
      const kustomizations: FluxKustomization[] = rendered.kustomizations.filter((k) => k.name !== '');
      const index = renderIndex(kustomizations);
      const drops = unservable(kustomizations);
      await installCrds(cp, sup, crds);
      await startFlux(cp, loc, sup, log);
      const t0 = performance.now();
      const providers = promotionDouble && cluster === 'single-node' ? providerPatches(kustomizations, promotionDouble.address) : [];
      if (promotionDouble && cluster === 'single-node') {
        if (!providers.length) throw new JudgementError(`${cluster}: --promotion: the tree declares no githubdispatch Provider to point at the API double`);
        await applyDispatchSecret(cp, promotionDouble.token);
      }
      log(describePatches(cluster, gitUrl, drops) + (providers.length ? `\n${describeProviderPatches(cluster, providers, promotionDouble!.address)}` : ''));
      await bootstrap(cp, repo.work, gitUrl, credentials, bootstrapPatches(gitUrl, drops, kustomizations, 'flux-system', providers));
      binders.push(startVolumeBinder(cp.kube, (e) => log(`${cluster}: volume binder: ${(e as Error).message}`)));
      // 15 min: multi-node took 440 s at load average 35-48 here and did not make 600 s at 55-70.
      const states = await waitKustomizations(cp, sup, kustomizations, index, options.readyTimeoutMs ?? 15 * 60_000, log);
      const pods = await waitPods(cp, sup, 120_000);
      const secondsToReady = (performance.now() - t0) / 1000;
      const order = dependsOnOrder(states, kustomizations);
      const applied = await checkApplied(cp, kustomizations, drops);
      const placement = comparePlacement(cp.facts, kustomizations, pods, []);
      const own = [...order, ...applied.missing.map((m) => `not in the API server: ${m}`), ...placement.differences];
      problems.push(...own.map((p) => `${cluster}: ${p}`));
      const r: ClusterResult = {
        cluster,
        secondsToReady,
        kustomizations: kustomizations.length,
        objectsApplied: applied.applied,
        accepted: applied.byKind,
        pods: { total: pods.pods, running: pods.running, succeeded: pods.succeeded },
        placement,
        volumesBound: 0,
        drops,
      };
      log(`${cluster}: all ${r.kustomizations} Kustomizations Ready in ${secondsToReady.toFixed(1)} s; ${r.objectsApplied} objects applied; ${pods.running} pods Ready, ${pods.succeeded} Job pods done; pods per node ${JSON.stringify(placement.actual)} (model's example split ${JSON.stringify(placement.predicted)}); placement facts: ${placement.differences.length ? `${placement.differences.length} violated` : `all hold (${placement.placed.scheduler} pods, ${placement.rules} constrained workloads)`}`);
      return r;
    };
    const settled = await Promise.allSettled(clusters.map(run));
    for (const s of settled) {
      if (s.status === 'fulfilled') results.push(s.value);
      else problems.push(s.reason instanceof Error ? s.reason.message : String(s.reason));
    }
    if (promotionDouble) {
      // It needs both control planes up; a cluster judged failing (e.g. one Kustomization not Ready in
      // time) is already a problem above, and the loop waits for what it needs itself.
      if (!planes.has('single-node') || !planes.has('multi-node')) problems.push('promotion: not run, a control plane did not start');
      else {
        try {
          promotion = await runPromotion({ root: options.root, work: repo.work, bare: repo.bare, stateDir, single: planes.get('single-node')!, multi: planes.get('multi-node')!, setup: promotionDouble, log });
        } catch (e) {
          problems.push(e instanceof Error ? e.message : String(e));
        }
        const v = promotionDouble.double.violations;
        if (v.length) problems.push(`promotion: the GitHub API double saw ${v.length} request(s) GitHub would refuse: ${v.map((x) => `${x.kind} ${x.method} ${x.path}: ${x.problems.map((p) => `${p.path} ${p.message}`).join('; ')}`).join(' | ').slice(0, 2000)}`);
      }
    }
    const after = await sealedProblems();
    if (after.length) problems.push(`network namespace: ${after.join('; ')}`);
    session.dispose();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    for (const b of binders) b.stop();
    await sup.stopAll();
    await git?.close();
    await promotionDouble?.close();
    if (options.keep) log(`state kept in ${stateDir}`);
    else rmSync(stateDir, { recursive: true, force: true });
  }
  return { ok: problems.length === 0, clusters: results, problems, peakRssBytes: sup.peakRssBytes, seconds: (performance.now() - started) / 1000, commit, ...(promotion ? { promotion } : {}) };
}
