import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from '@carbon/generate';
import { git, mergeOnOrigin, runAction, startApiDouble, startBranchSyncProxy, type ActionRun, type ApiDouble, type BranchSyncProxy, type DispatchRecord } from '@carbon/github/testing';
import { HEALTH_CHECK_PASSED, POLICY_FILE } from '@carbon/promote';
import type { FluxKustomization } from '@carbon/render';
import { parseDocument } from 'yaml';
import type { ControlPlane } from './cluster.ts';
import type { KubeObject } from './kube.ts';

/**
 * Issue 9 item 5, the promotion loop for real: single-node's notification-controller posts its
 * real `repository_dispatch` to the GitHub API double (served on loopback inside the e2e's
 * namespace), that body goes unmodified into the bundled promote action (runner harness), the
 * promotion PR is merged in git on the loopback origin, and multi-node's control plane reconciles
 * the new pin.
 */

/** The repository the Provider's address names (clusters/single-node/notifications/alerts.yaml). */
export const PROMOTION_REPO = '254carbon/platform';
/** A small stateless service with no approval gate: its image tag is the harmless change. */
export const PROMOTION_SERVICE = 'portal';
/**
 * A service the policy gates on approval (platform/promotion.yaml): its promotion PR stays open
 * after the healthy event, so the failure event that follows has a pending promotion to block.
 */
export const BLOCKED_SERVICE = 'minio';
/** The in-process admission policy that makes the API server reject BLOCKED_SERVICE's workloads (no webhook: CEL in kube-apiserver). */
export const BREAK_POLICY = 'e2e-deliberately-broken';
/** The Secret the e2e gives the Provider instead of the ExternalSecret-backed one (no Vault here). */
export const DISPATCH_SECRET = 'e2e-github-dispatch-token';
const FLUX_K = 'kustomize.toolkit.fluxcd.io/v1';
const FLUX_SRC = 'source.toolkit.fluxcd.io/v1';

export type ProviderPatch = { kustomization: string; kind: string; name: string; patch: { patch: string; target: Record<string, string> } };

export type PromotionDouble = {
  double: ApiDouble;
  proxy: BranchSyncProxy;
  /** The Provider's address: the double (through the branch-syncing proxy) + owner/repo. */
  address: string;
  /** Random, given to the Provider through DISPATCH_SECRET; never printed. */
  token: string;
  close(): Promise<void>;
};

/** The API double whose branches are the loopback origin's and whose merges are real merges in it. */
export async function startPromotionDouble(bare: string): Promise<PromotionDouble> {
  const origin = { path: bare };
  const double = await startApiDouble({ onMerge: mergeOnOrigin(origin) });
  double.seedRepo(PROMOTION_REPO, { defaultBranch: 'main', branches: { main: await git(bare, ['rev-parse', 'refs/heads/main']) } });
  const proxy = await startBranchSyncProxy(double, origin, PROMOTION_REPO);
  return {
    double,
    proxy,
    address: `${proxy.url}/${PROMOTION_REPO}`,
    token: randomBytes(18).toString('base64url'),
    close: async () => {
      await proxy.close();
      await double.close();
    },
  };
}

/**
 * Patches for each `githubdispatch` Provider the tree applies: its address (the double) and its
 * secretRef (DISPATCH_SECRET); nothing else of it changes. The repo keeps pointing at GitHub.
 */
export function providerPatches(kustomizations: Pick<FluxKustomization, 'name' | 'objects'>[], address: string): ProviderPatch[] {
  const out: ProviderPatch[] = [];
  for (const k of kustomizations)
    for (const ro of k.objects) {
      const o = ro.object as KubeObject;
      if (o.kind !== 'Provider' || !o.apiVersion?.startsWith('notification.toolkit.fluxcd.io/') || o.spec?.type !== 'githubdispatch') continue;
      out.push({
        kustomization: k.name,
        kind: o.kind,
        name: o.metadata.name,
        patch: {
          target: { group: 'notification.toolkit.fluxcd.io', kind: 'Provider', name: o.metadata.name },
          patch: JSON.stringify([
            { op: 'replace', path: '/spec/address', value: address },
            { op: 'replace', path: '/spec/secretRef', value: { name: DISPATCH_SECRET } },
          ]),
        },
      });
    }
  return out;
}

export function describeProviderPatches(cluster: string, patches: ProviderPatch[], address: string): string {
  return patches.map((p) => `  - Kustomization ${p.kustomization}: Provider ${p.name} spec.address -> ${address}, spec.secretRef.name -> ${DISPATCH_SECRET} (a Secret the e2e creates; its token is not printed) [${cluster}]`).join('\n');
}

/** The token Secret the patched Provider reads (created before the bootstrap). */
export async function applyDispatchSecret(cp: ControlPlane, token: string): Promise<void> {
  await cp.kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flux-system' } }, 'carbon-e2e-bootstrap');
  await cp.kube.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: DISPATCH_SECRET, namespace: 'flux-system' }, type: 'Opaque', stringData: { token } }, 'carbon-e2e-bootstrap');
}

/**
 * The promotion policy the action's checkout reads, with soak 0 and no freeze windows (the e2e
 * cannot wait 30 minutes, and must not depend on the weekday it runs). Only the checkout's working
 * tree gets it; nothing is committed. Returns the lines printed about it.
 */
export function policyOverride(checkout: string): string[] {
  const file = join(checkout, POLICY_FILE);
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const before = { soak: String(doc.getIn(['defaults', 'soak']) ?? '(builtin 30m)'), freeze: (doc.getIn(['defaults', 'freeze']) as { items?: unknown[] } | undefined)?.items?.length ?? 0 };
  doc.setIn(['defaults', 'soak'], '0m');
  doc.setIn(['defaults', 'freeze'], []);
  writeFileSync(file, doc.toString());
  return [`promotion policy override in the action's checkout only (${POLICY_FILE}, not committed): defaults.soak ${before.soak} -> 0m; defaults.freeze ${before.freeze} window(s) -> none`];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function poll<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, detail: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await check().catch(() => undefined);
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`promotion: ${what}: not after ${Math.round(timeoutMs / 1000)} s; ${await detail().catch((e: Error) => e.message)}`);
    await sleep(1000);
  }
}

/** `flux reconcile source git flux-system`: the requestedAt annotation, so the new commit is seen now rather than at the next interval. */
async function requestReconcile(cp: ControlPlane, apiVersion: string, kind: string, name: string): Promise<void> {
  const path = await cp.kube.path(apiVersion, kind, 'flux-system', name);
  await cp.kube.request('PATCH', path, { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': new Date().toISOString() } } }, 'application/merge-patch+json');
}

async function kustomization(cp: ControlPlane, name: string): Promise<{ revision: string; ready: string; message: string }> {
  const k = await cp.kube.get(FLUX_K, 'Kustomization', name, 'flux-system');
  const c = (k?.status?.conditions ?? []).find((x: any) => x.type === 'Ready');
  return { revision: String(k?.status?.lastAppliedRevision ?? ''), ready: String(c?.status ?? 'Unknown'), message: String(c?.message ?? '') };
}

/** The Flux event inside a dispatch, parsed only to find the one to hand on (the body itself goes on untouched). */
type FluxPayload = { involvedObject?: { name?: string }; severity?: string; reason?: string; message?: string; metadata?: Record<string, string> };
const payloadOf = (d: DispatchRecord): FluxPayload => ((JSON.parse(d.raw) as { client_payload?: FluxPayload }).client_payload ?? {});
/** What the promote action takes for healthy (its parser): ReconciliationSucceeded, or the "Health check passed in …" event a githubdispatch Provider actually gets. */
const isHealthyReport = (p: FluxPayload) => p.severity === 'info' && (p.reason === 'ReconciliationSucceeded' || HEALTH_CHECK_PASSED.test(p.message ?? ''));
const revisionOf = (p: FluxPayload) => Object.entries(p.metadata ?? {}).find(([k]) => k === 'revision' || k.endsWith('/revision'))?.[1] ?? '';

/**
 * GitHub's repository_dispatch webhook event (what the runner writes to GITHUB_EVENT_PATH) around
 * the request body exactly as notification-controller sent it: `client_payload` is spliced in as
 * the sender's own bytes, never re-serialised.
 */
export function webhookEventText(raw: string, repository = PROMOTION_REPO): string {
  const body = JSON.parse(raw) as { event_type?: unknown; client_payload?: unknown };
  const key = '"client_payload":';
  const at = raw.indexOf(key);
  const end = raw.lastIndexOf('}');
  const payload = at >= 0 && end > at ? raw.slice(at + key.length, end) : '';
  const same = (() => {
    try {
      return JSON.stringify(JSON.parse(payload)) === JSON.stringify(body.client_payload);
    } catch {
      return false;
    }
  })();
  if (typeof body.event_type !== 'string' || payload === '' || !same) {
    throw new Error('promotion: the dispatch body is not {"event_type":…,"client_payload":{…}} with client_payload last; cannot hand it on unmodified');
  }
  const [owner] = repository.split('/');
  return `{"action":${JSON.stringify(body.event_type)},"branch":"main","client_payload":${payload},"repository":{"full_name":${JSON.stringify(repository)},"default_branch":"main"},"sender":{"login":${JSON.stringify(owner)}}}`;
}

export type BlockedResult = {
  service: string;
  revision: string;
  /** The promote action's run on the healthy event: the PR it opened and left open (approval). */
  opened: { outcome: string; pullRequest: string; reason: string };
  /** The real failure event and the action's run on it. */
  failure: { eventType: string; bytes: number; severity: string; reason: string; revision: string; message: string; raw: string };
  blocked: { exitCode: number; outcome: string; reason: string; labels: string[]; comment: string; prState: string };
  /** The pin on origin main and multi-node's Kustomization did not move. */
  pinUnchanged: boolean;
  multiNodeRevision: string;
  seconds: number;
};

export type PromotionResult = {
  service: string;
  /** The commit on main that changed the service. */
  revision: string;
  /** The dispatch that was handed to the action: its event type, size, reason and revision as Flux wrote them. */
  dispatch: { eventType: string; bytes: number; reason: string; severity: string; message: string; revision: string; metadataKeys: string[]; raw: string };
  dispatchesReceived: number;
  /** Every dispatch notification-controller sent during the run, as severity/reason counts (what a githubdispatch Provider really gets). */
  dispatchReasons: Record<string, number>;
  /** Every dispatch about the promoted service at its new revision, raw (what a githubdispatch Provider gets for one apply; test fixtures). */
  serviceDispatches: string[];
  action: { exitCode: number; outcome: string; pullRequest: string; reason: string; seconds: number };
  mergeCommit: string;
  /** multi-node's Kustomization status.lastAppliedRevision after the pin moved (and before). */
  multiNode: { before: string; after: string };
  seconds: { singleNodeToDispatch: number; action: number; multiNodeReconcile: number; total: number };
  policyOverride: string[];
  blocked?: BlockedResult;
};

function countReasons(ds: DispatchRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of ds) {
    const p = payloadOf(d);
    const k = `${p.severity}/${p.reason}${HEALTH_CHECK_PASSED.test(p.message ?? '') ? ' (Health check passed)' : ''}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

export type PromotionInput = {
  /** The repository root (node_modules, .tools, the bundled action). */
  root: string;
  /** The e2e's clone (committed tree of HEAD); the change is made here and pushed to `bare`. */
  work: string;
  bare: string;
  stateDir: string;
  single: ControlPlane;
  multi: ControlPlane;
  setup: PromotionDouble;
  log: (s: string) => void;
  timeoutMs?: number;
  /** Also run the failure case (default true). */
  failure?: boolean;
};

/** Links the repo's node_modules and .tools into a clone so its own generator runs there, git-ignored. */
function linkDependencies(root: string, clone: string): void {
  for (const name of ['node_modules', '.tools']) if (!existsSync(join(clone, name))) symlinkSync(join(root, name), join(clone, name));
  appendFileSync(join(clone, '.git', 'info', 'exclude'), 'node_modules\n.tools\n');
}

/** A harmless change to one service (its image tag; KWOK pulls no image), regenerated with the repo's generator, pushed to main. */
async function commitServiceChange(work: string, bare: string, service: string): Promise<{ sha: string; tag: string }> {
  const file = join(work, 'apps', service, 'src', 'service.ts');
  const text = readFileSync(file, 'utf8');
  const m = /tag: '([^']+)'/.exec(text);
  if (!m) throw new Error(`promotion: apps/${service}/src/service.ts has no \`tag: '…'\` to change`);
  const tag = `${m[1]}-e2e`;
  writeFileSync(file, text.replace(m[0], `tag: '${tag}'`));
  await generate(work);
  await git(work, ['add', '--all', '--', 'apps', 'clusters']);
  await git(work, ['commit', '--quiet', '-m', `${service}: image tag ${tag} (e2e promotion)`]);
  await git(work, ['push', '--quiet', bare, 'HEAD:refs/heads/main']);
  return { sha: await git(work, ['rev-parse', 'HEAD']), tag };
}

/** The bundled promote action, as the runner runs it on repository_dispatch, with the double as its GitHub. */
async function promoteAction(input: PromotionInput, checkout: string, raw: string): Promise<ActionRun> {
  // actions/checkout of main for this run (the policy override is an uncommitted edit and stays).
  await git(checkout, ['pull', '--quiet', '--ff-only', 'origin', 'main']);
  return runAction({
    actionDir: join(input.root, '.github', 'actions', 'promote'),
    eventName: 'repository_dispatch',
    event: undefined,
    eventText: webhookEventText(raw),
    inputs: { mode: 'event' },
    cwd: checkout,
    repository: PROMOTION_REPO,
    env: { GITHUB_API_URL: input.setup.proxy.url, GITHUB_SERVER_URL: 'http://127.0.0.1', CARBON_GITHUB_RETRY_BASE_MS: '10', CARBON_GITHUB_WRITE_INTERVAL_MS: '0' },
    timeoutMs: input.timeoutMs ?? 5 * 60_000,
  });
}

const actionFailure = (what: string, run: ActionRun) =>
  `promotion: ${what} (exit ${run.exitCode}, outcome ${run.outputs.outcome ?? '(none)'}): ${[...run.annotations.filter((a) => a.level === 'error').map((a) => a.message), run.outputs.reason ?? ''].join('; ').slice(0, 2000)}\n${run.stderr.slice(-2000)}`;

/** Waits for notification-controller's dispatch about `service` at `sha` that `accept` takes; says what arrived instead on timeout. */
function waitDispatch(input: PromotionInput, cp: ControlPlane, service: string, sha: string, what: string, accept: (p: FluxPayload) => boolean): Promise<DispatchRecord> {
  const double = input.setup.double;
  return poll(
    `notification-controller's repository_dispatch for ${service}@${sha.slice(0, 12)} (${what})`,
    input.timeoutMs ?? 5 * 60_000,
    async () => double.dispatches(PROMOTION_REPO).find((d) => d.eventType === `Kustomization/${service}.flux-system` && revisionOf(payloadOf(d)).endsWith(sha) && accept(payloadOf(d))),
    async () => {
      const k = await kustomization(cp, service);
      const seen = double.dispatches(PROMOTION_REPO).filter((d) => d.eventType.includes(`/${service}.`)).map((d) => `${payloadOf(d).severity}/${payloadOf(d).reason}@${revisionOf(payloadOf(d))}`);
      return `single-node Kustomization ${service}: Ready=${k.ready} at ${k.revision || '(none)'} (${k.message.slice(0, 300)}); dispatches for it: ${seen.join(', ') || 'none'} of ${double.dispatches(PROMOTION_REPO).length} received`;
    },
  );
}

/**
 * A failure blocks a pending promotion: a healthy change to BLOCKED_SERVICE opens its PR (left open
 * by the approval gate), then the API server rejects that revision's workload (a
 * ValidatingAdmissionPolicy the e2e adds, printed) on the next reconcile; kustomize-controller's
 * real error event goes to the action, which must label and comment the PR and promote nothing.
 */
async function runBlocked(input: PromotionInput, checkout: string): Promise<BlockedResult> {
  const { single, multi, setup, log } = input;
  const service = BLOCKED_SERVICE;
  const t0 = performance.now();
  const double = setup.double;
  const multiBefore = (await kustomization(multi, service)).revision;
  const pinBefore = await git(input.bare, ['show', 'main:clusters/multi-node/pins.yaml']);
  await git(input.work, ['pull', '--quiet', '--ff-only', input.bare, 'main']);
  const change = await commitServiceChange(input.work, input.bare, service);
  log(`promotion (failure): ${service} changed on main at ${change.sha.slice(0, 12)} (image tag ${change.tag}); single-node asked to reconcile`);
  await requestReconcile(single, FLUX_SRC, 'GitRepository', 'flux-system');
  const healthy = await waitDispatch(input, single, service, change.sha, 'healthy', isHealthyReport);
  const opened = await promoteAction(input, checkout, healthy.raw);
  if (opened.exitCode !== 0 || opened.outputs.outcome !== 'opened') throw new Error(actionFailure(`the healthy ${service} event did not open a pending promotion PR`, opened));
  const number = opened.outputs['pull-request'] ?? '';
  log(`promotion (failure): promote action opened PR #${number} and left it open: ${opened.outputs.reason ?? ''}`);

  const workloads = (await single.kube.list('apps/v1', 'StatefulSet')).concat(await single.kube.list('apps/v1', 'Deployment')).filter((o) => o.metadata.labels?.['app.kubernetes.io/name'] === service || o.metadata.name === service);
  if (!workloads.length) throw new Error(`promotion: single-node runs no Deployment/StatefulSet of ${service} to break`);
  const ns = workloads[0]!.metadata.namespace!;
  const names = [...new Set(workloads.map((o) => o.metadata.name))];
  const breakObjects: KubeObject[] = [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: BREAK_POLICY },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments', 'statefulsets'] }] },
        // Only this service's workloads (its namespace is shared with others).
        validations: [{ expression: `!(object.metadata.name in ${JSON.stringify(names)})`, message: `e2e: deliberately broken: the API server rejects ${service}'s workloads` }],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: BREAK_POLICY },
      spec: { policyName: BREAK_POLICY, validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } } },
    },
  ];
  for (const o of breakObjects) await single.kube.apply(o, 'carbon-e2e-break');
  log(`promotion (failure): single-node: ValidatingAdmissionPolicy ${BREAK_POLICY} + binding: the API server now rejects every write to ${names.join(', ')} (Deployment/StatefulSet) in namespace ${ns}; Kustomization ${service} asked to reconcile`);
  // The policy takes effect once the API server has loaded it; re-ask until the failure arrives.
  const asking = setInterval(() => void requestReconcile(single, FLUX_K, 'Kustomization', service).catch(() => undefined), 15_000);
  let failed: DispatchRecord;
  try {
    await requestReconcile(single, FLUX_K, 'Kustomization', service);
    failed = await waitDispatch(input, single, service, change.sha, 'severity error', (p) => p.severity === 'error');
  } finally {
    clearInterval(asking);
  }
  const fp = payloadOf(failed);
  log(`promotion (failure): notification-controller posted ${failed.eventType} (${fp.severity}/${fp.reason}, revision ${revisionOf(fp)}): ${String(fp.message).slice(0, 240)}`);
  const blocked = await promoteAction(input, checkout, failed.raw);
  if (blocked.exitCode !== 0 || blocked.outputs.outcome !== 'blocked') throw new Error(actionFailure(`the failure event did not block PR #${number}`, blocked));
  const pr = double.pullRequests(PROMOTION_REPO).find((p) => String(p.number) === number);
  const labels = double.labels(PROMOTION_REPO, Number(number));
  const comment = double.comments(PROMOTION_REPO, Number(number)).map((c) => c.body).find((b) => b.includes('Promotion blocked')) ?? '';
  if (!labels.includes('promotion-blocked') || !comment || pr?.state !== 'open') throw new Error(`promotion: PR #${number} after the failure: labels ${labels.join(', ')}, state ${pr?.state}, ${comment ? 'a' : 'no'} "Promotion blocked" comment`);
  const pinAfter = await git(input.bare, ['show', 'main:clusters/multi-node/pins.yaml']);
  // Let multi-node see main again: nothing it runs may change.
  await requestReconcile(multi, FLUX_SRC, 'GitRepository', 'flux-system');
  await sleep(5000);
  const multiAfter = (await kustomization(multi, service)).revision;
  const pinUnchanged = pinAfter === pinBefore && !pinAfter.includes(change.sha) && multiAfter === multiBefore;
  if (!pinUnchanged) throw new Error(`promotion: the failure did not stop ${service}: pins.yaml ${pinAfter === pinBefore ? 'unchanged' : 'changed'}, multi-node ${multiBefore} -> ${multiAfter}`);
  log(`promotion (failure): PR #${number} blocked (label promotion-blocked, comment), still open; ${service}'s pin and multi-node (${multiAfter}) unchanged`);
  return {
    service,
    revision: change.sha,
    opened: { outcome: opened.outputs.outcome ?? '', pullRequest: number, reason: opened.outputs.reason ?? '' },
    failure: { eventType: failed.eventType, bytes: Buffer.byteLength(failed.raw), severity: fp.severity ?? '', reason: fp.reason ?? '', revision: revisionOf(fp), message: String(fp.message ?? '').slice(0, 500), raw: failed.raw },
    blocked: { exitCode: blocked.exitCode, outcome: blocked.outputs.outcome ?? '', reason: blocked.outputs.reason ?? '', labels, comment: comment.slice(0, 500), prState: pr.state },
    pinUnchanged,
    multiNodeRevision: multiAfter,
    seconds: (performance.now() - t0) / 1000,
  };
}

export async function runPromotion(input: PromotionInput): Promise<PromotionResult> {
  const { single, multi, setup, log } = input;
  const service = PROMOTION_SERVICE;
  const timeoutMs = input.timeoutMs ?? 5 * 60_000;
  const t0 = performance.now();
  const double = setup.double;
  const multiBefore = (await kustomization(multi, service)).revision;

  // The action's checkout: a clone of the loopback origin (actions/checkout with fetch-depth 0).
  const checkout = join(input.stateDir, 'checkout');
  await git(input.stateDir, ['clone', '--quiet', input.bare, checkout]);
  linkDependencies(input.root, checkout);
  const override = policyOverride(checkout);
  for (const l of override) log(l);

  linkDependencies(input.root, input.work);
  const change = await commitServiceChange(input.work, input.bare, service);
  log(`promotion: ${service} changed on main at ${change.sha.slice(0, 12)} (image tag ${change.tag}); single-node asked to reconcile`);
  await requestReconcile(single, FLUX_SRC, 'GitRepository', 'flux-system');

  const tChange = performance.now();
  const dispatch = await waitDispatch(input, single, service, change.sha, 'healthy', isHealthyReport);
  const singleNodeToDispatch = (performance.now() - tChange) / 1000;
  const payload = payloadOf(dispatch);
  log(`promotion: notification-controller posted ${dispatch.eventType} (${payload.severity}/${payload.reason}, revision ${revisionOf(payload)}) after ${singleNodeToDispatch.toFixed(1)} s; ${Buffer.byteLength(dispatch.raw)} bytes handed on unmodified`);

  const tAction = performance.now();
  const run = await promoteAction(input, checkout, dispatch.raw);
  const actionSeconds = (performance.now() - tAction) / 1000;
  const outputs = run.outputs;
  log(`promotion: promote action exit ${run.exitCode}, outcome ${outputs.outcome ?? '(none)'}, PR #${outputs['pull-request'] ?? '-'} in ${actionSeconds.toFixed(1)} s: ${outputs.reason ?? ''}`);
  if (run.exitCode !== 0 || outputs.outcome !== 'merged') throw new Error(actionFailure('the promote action did not merge', run));
  const pr = double.pullRequests(PROMOTION_REPO).find((p) => String(p.number) === outputs['pull-request']);
  if (!pr?.mergeCommitSha) throw new Error(`promotion: PR #${outputs['pull-request']} is not merged in the double`);
  const main = await git(input.bare, ['rev-parse', 'refs/heads/main']);
  if (main !== pr.mergeCommitSha) throw new Error(`promotion: origin main is ${main.slice(0, 12)}, not the merge commit ${pr.mergeCommitSha.slice(0, 12)}`);
  const pins = await git(input.bare, ['show', 'main:clusters/multi-node/pins.yaml']);
  if (!pins.includes(`commit: ${change.sha}`)) throw new Error(`promotion: pins.yaml on main does not pin ${service} to ${change.sha}`);
  log(`promotion: PR #${pr.number} merged on the loopback origin (${pr.mergeCommitSha.slice(0, 12)}); multi-node asked to reconcile`);

  const tMulti = performance.now();
  await requestReconcile(multi, FLUX_SRC, 'GitRepository', 'flux-system');
  const after = await poll(
    `multi-node Kustomization ${service} at the promoted revision ${change.sha.slice(0, 12)}`,
    timeoutMs,
    async () => {
      const k = await kustomization(multi, service);
      return k.ready === 'True' && k.revision.endsWith(change.sha) ? k.revision : undefined;
    },
    async () => {
      const k = await kustomization(multi, service);
      const src = await multi.kube.get(FLUX_SRC, 'GitRepository', service, 'flux-system');
      return `multi-node Kustomization ${service}: Ready=${k.ready} at ${k.revision || '(none)'} (${k.message.slice(0, 200)}); GitRepository ${service} ref ${JSON.stringify(src?.spec?.ref)} artifact ${src?.status?.artifact?.revision ?? '(none)'}`;
    },
  );
  const multiNodeReconcile = (performance.now() - tMulti) / 1000;
  log(`promotion: multi-node Kustomization ${service} reports ${after} after ${multiNodeReconcile.toFixed(1)} s (was ${multiBefore})`);
  const blocked = input.failure === false ? undefined : await runBlocked(input, checkout);
  return {
    service,
    revision: change.sha,
    dispatch: { eventType: dispatch.eventType, bytes: Buffer.byteLength(dispatch.raw), reason: payload.reason ?? '', severity: payload.severity ?? '', message: payload.message ?? '', revision: revisionOf(payload), metadataKeys: Object.keys(payload.metadata ?? {}).sort(), raw: dispatch.raw },
    dispatchesReceived: double.dispatches(PROMOTION_REPO).length,
    dispatchReasons: countReasons(double.dispatches(PROMOTION_REPO)),
    serviceDispatches: double.dispatches(PROMOTION_REPO).filter((d) => d.eventType === `Kustomization/${service}.flux-system` && revisionOf(payloadOf(d)).endsWith(change.sha)).map((d) => d.raw),
    action: { exitCode: run.exitCode, outcome: outputs.outcome ?? '', pullRequest: outputs['pull-request'] ?? '', reason: outputs.reason ?? '', seconds: actionSeconds },
    mergeCommit: pr.mergeCommitSha,
    multiNode: { before: multiBefore, after },
    seconds: { singleNodeToDispatch, action: actionSeconds, multiNodeReconcile, total: (performance.now() - t0) / 1000 },
    policyOverride: override,
    ...(blocked ? { blocked } : {}),
  };
}
