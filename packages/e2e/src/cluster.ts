import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCluster, type ClusterFacts } from '@carbon/platform';
import { nodesOf } from '@carbon/validate';
import { parseAllDocuments } from 'yaml';
import { makePki, writeKubeconfig, type Pki } from './certs.ts';
import { binary, moduleDir, SOURCES, type Locations } from './components.ts';
import { Kube, type KubeObject } from './kube.ts';
import { freePort, type Supervisor } from './supervisor.ts';

export const SERVICE_CIDR = '10.96.0.0/16';
export const POD_CIDR = '10.244.0.1/16';
const STARTUP_MS = 120_000;

export type ControlPlane = {
  cluster: string;
  dir: string;
  pki: Pki;
  server: string;
  kubeconfig: string;
  kube: Kube;
  facts: ClusterFacts;
  /** notification-controller's event receiver, for source-/kustomize-controller's --events-addr. */
  eventsUrl?: string;
};

const healthy = async (url: string): Promise<boolean> => {
  const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return r.ok;
};

/** etcd and kube-apiserver (admin client certificate), the part of a control plane every test of the API needs. */
export async function startApiServer(opts: { cluster: string; dir: string; loc: Locations; sup: Supervisor }): Promise<{ pki: Pki; server: string; kube: Kube; kubeconfig: string }> {
  const { cluster, dir, loc, sup } = opts;
  const tag = (c: string) => `${cluster}/${c}`;
  mkdirSync(join(dir, 'pki'), { recursive: true });
  const pki = await makePki(join(dir, 'pki'));

  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
  const etcd = sup.start(tag('etcd'), binary(loc, 'etcd'), [
    '--name=e2e',
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
    `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
    `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-cluster=e2e=http://127.0.0.1:${etcdPeer}`,
    '--unsafe-no-fsync',
    '--log-level=warn',
  ]);
  await sup.waitFor(`${cluster} etcd on 127.0.0.1:${etcdClient}`, () => healthy(`http://127.0.0.1:${etcdClient}/health`), STARTUP_MS, etcd);

  const server = `https://127.0.0.1:${apiPort}`;
  const apiserver = sup.start(tag('kube-apiserver'), binary(loc, 'kube-apiserver'), [
    `--etcd-servers=http://127.0.0.1:${etcdClient}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    '--endpoint-reconciler-type=none',
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    `--client-ca-file=${pki.caCert}`,
    `--tls-cert-file=${pki.serverCert}`,
    `--tls-private-key-file=${pki.serverKey}`,
    `--service-account-key-file=${pki.saPub}`,
    `--service-account-signing-key-file=${pki.saKey}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    '--authorization-mode=Node,RBAC',
    '--allow-privileged=true',
    '--enable-priority-and-fairness=false',
    '--profiling=false',
    `--cert-dir=${join(dir, 'apiserver')}`,
    '--v=1',
  ]);
  const kube = new Kube(server, pki);
  await sup.waitFor(`${cluster} kube-apiserver on ${server}`, () => kube.healthy('/readyz'), STARTUP_MS, apiserver);
  return { pki, server, kube, kubeconfig: writeKubeconfig(pki, server) };
}

/** etcd, kube-apiserver, controller-manager, scheduler and kwok for one cluster, with its nodes. */
export async function startControlPlane(opts: { root: string; cluster: string; stateDir: string; loc: Locations; sup: Supervisor; log: (s: string) => void }): Promise<ControlPlane> {
  const { cluster, loc, sup } = opts;
  const dir = join(opts.stateDir, cluster);
  const tag = (c: string) => `${cluster}/${c}`;
  const { pki, server, kube, kubeconfig } = await startApiServer({ cluster, dir, loc, sup });

  const cmPort = await freePort();
  const cm = sup.start(tag('kube-controller-manager'), binary(loc, 'kube-controller-manager'), [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--controllers=*,-nodeipam,-nodelifecycle',
    `--cert-dir=${join(dir, 'controller-manager')}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    `--secure-port=${cmPort}`,
    `--service-account-private-key-file=${pki.saKey}`,
    `--root-ca-file=${pki.caCert}`,
    `--cluster-signing-cert-file=${pki.caCert}`,
    `--cluster-signing-key-file=${pki.caKey}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--profiling=false',
  ]);
  const schedPort = await freePort();
  const scheduler = sup.start(tag('kube-scheduler'), binary(loc, 'kube-scheduler'), [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    `--secure-port=${schedPort}`,
    `--cert-dir=${join(dir, 'scheduler')}`,
    '--profiling=false',
  ]);
  const kwokPort = await freePort();
  const kwokConfig = join(dir, 'kwok.yaml');
  writeFileSync(kwokConfig, kwokStages(loc));
  const kwok = sup.start(tag('kwok'), binary(loc, 'kwok'), [
    `--kubeconfig=${kubeconfig}`,
    `--config=${kwokConfig}`,
    '--manage-all-nodes=true',
    `--server-address=127.0.0.1:${kwokPort}`,
    '--node-lease-duration-seconds=40',
    `--cidr=${POD_CIDR}`,
  ]);
  const insecure = (port: number) => async () => {
    const r = await kube.request('GET', '/healthz').catch(() => undefined);
    return r !== undefined && (await probeHttps(port));
  };
  await sup.waitFor(`${cluster} kube-controller-manager (127.0.0.1:${cmPort})`, insecure(cmPort), STARTUP_MS, cm);
  await sup.waitFor(`${cluster} kube-scheduler (127.0.0.1:${schedPort})`, insecure(schedPort), STARTUP_MS, scheduler);
  await sup.waitFor(`${cluster} kwok (127.0.0.1:${kwokPort})`, () => healthy(`http://127.0.0.1:${kwokPort}/healthz`), STARTUP_MS, kwok);

  const facts = loadCluster(opts.root, cluster);
  await createNodes(kube, facts);
  await sup.waitFor(`${cluster} nodes Ready (kwok)`, async () => (await kube.list('v1', 'Node')).every((n) => ready(n)), STARTUP_MS, kwok);
  // The API server taints every new Node not-ready; the node lifecycle controller, which would
  // lift it, is off (it marks KWOK nodes NotReady under load). Lift it once KWOK reports Ready.
  for (const n of await kube.list('v1', 'Node')) {
    const taints = (n.spec?.taints ?? []).filter((t: any) => t.key !== 'node.kubernetes.io/not-ready');
    await kube.request('PATCH', `/api/v1/nodes/${n.metadata.name}`, { spec: { taints } }, 'application/merge-patch+json');
  }
  opts.log(`${cluster}: control plane up at ${server}, ${facts.nodes.length} KWOK node(s) Ready`);
  return { cluster, dir, pki, server, kubeconfig, kube, facts };
}

/** The healthz of a component serving its own self-signed certificate on 127.0.0.1. */
async function probeHttps(port: number): Promise<boolean> {
  const { request } = await import('node:https');
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export const ready = (o: KubeObject): boolean => (o.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');

/** KWOK's own stages from the pinned module: node initialise, heartbeat with lease, pod ready/complete/delete. */
export function kwokStages(loc: Locations): string {
  const src = moduleDir(loc, SOURCES.kwok.module, SOURCES.kwok.version);
  const files = [
    'kustomize/stage/node/fast/node-initialize.yaml',
    'kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
    'kustomize/stage/pod/fast/pod-ready.yaml',
    'kustomize/stage/pod/fast/pod-complete.yaml',
    'kustomize/stage/pod/fast/pod-delete.yaml',
  ];
  return files.map((f) => `# ${SOURCES.kwok.module}@${SOURCES.kwok.version}/${f}\n${readFileSync(join(src, f), 'utf8').replace(/^---\n/, '')}`).join('\n---\n');
}

/** One Node per cluster.yaml node: its labels (those the topology rules use) and allocatable. */
export async function createNodes(kube: Kube, facts: ClusterFacts): Promise<void> {
  const model = nodesOf(facts);
  for (const n of facts.nodes) {
    const labels = { 'kubernetes.io/arch': 'amd64', ...model.find((m) => m.name === n.name)!.labels, type: 'kwok' };
    const resources = { cpu: String(n.allocatable.cpu), memory: String(n.allocatable.memory), pods: String(n.allocatable.pods) };
    await kube.create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: n.name, labels, annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' } },
      spec: {},
      status: { capacity: resources, allocatable: resources },
    });
  }
}

/** Flux's CRDs from the pinned controllers' own modules (the versions of the binaries). */
export function fluxCrds(loc: Locations): KubeObject[] {
  const out: KubeObject[] = [];
  for (const name of ['source-controller', 'kustomize-controller', 'notification-controller'] as const) {
    const s = SOURCES[name];
    const dir = join(moduleDir(loc, s.module, s.version), s.crds);
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml')).sort())
      for (const d of parseAllDocuments(readFileSync(join(dir, f), 'utf8'))) {
        const o = d.toJS() as KubeObject | null;
        if (o?.kind === 'CustomResourceDefinition') out.push(o);
      }
  }
  return out;
}

export async function installCrds(cp: ControlPlane, sup: Supervisor, crds: KubeObject[]): Promise<void> {
  for (const c of crds) await cp.kube.apply(c);
  await sup.waitFor(`${cp.cluster} Flux CRDs established`, async () => {
    for (const c of crds) {
      const got = await cp.kube.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', c.metadata.name);
      if (!(got?.status?.conditions ?? []).some((x: any) => x.type === 'Established' && x.status === 'True')) return false;
    }
    return true;
  }, STARTUP_MS);
  cp.kube.rediscover();
}

/** source-, kustomize- and notification-controller out of cluster (KUBECONFIG, RUNTIME_NAMESPACE). */
export async function startFlux(cp: ControlPlane, loc: Locations, sup: Supervisor, log: (s: string) => void): Promise<void> {
  const tag = (c: string) => `${cp.cluster}/${c}`;
  const env = { KUBECONFIG: cp.kubeconfig, RUNTIME_NAMESPACE: 'flux-system', TMPDIR: join(cp.dir, 'tmp') };
  mkdirSync(env.TMPDIR, { recursive: true });
  mkdirSync(join(cp.dir, 'artifacts'), { recursive: true });
  const common = async () => [`--metrics-addr=127.0.0.1:${await freePort()}`, '--enable-leader-election=false', '--watch-all-namespaces=true', '--log-encoding=json'];
  const [eventsPort, receiverPort, storagePort] = [await freePort(), await freePort(), await freePort()];
  cp.eventsUrl = `http://127.0.0.1:${eventsPort}/`;
  const started: { name: string; health: number }[] = [];
  const run = async (name: 'source-controller' | 'kustomize-controller' | 'notification-controller', extra: string[]) => {
    const health = await freePort();
    sup.start(tag(name), binary(loc, name), [...(await common()), `--health-addr=127.0.0.1:${health}`, ...extra], env);
    started.push({ name, health });
  };
  await run('notification-controller', [`--events-addr=127.0.0.1:${eventsPort}`, `--receiverAddr=127.0.0.1:${receiverPort}`]);
  // Eight GitRepository workers instead of the default two: multi-node's 23 pinned per-service
  // sources then resolve together. Each first artifact makes kustomize-controller reconcile again
  // every Kustomization its users dependsOn (docs/e2e.md, "Why Ready Kustomizations drop out"), so
  // artifacts trickling in two at a time kept the shared infrastructure flapping for minutes.
  await run('source-controller', [`--storage-path=${join(cp.dir, 'artifacts')}`, `--storage-addr=127.0.0.1:${storagePort}`, `--storage-adv-addr=127.0.0.1:${storagePort}`, `--events-addr=${cp.eventsUrl}`, '--requeue-dependency=2s', '--concurrent=8']);
  // Dependencies are re-checked every 2 s instead of 30 s, so the dependsOn chain takes seconds
  // per level, not half a minute. Concurrency stays at the default (4 workers), as in production.
  await run('kustomize-controller', [`--events-addr=${cp.eventsUrl}`, '--no-remote-bases=true', '--requeue-dependency=2s']);
  for (const s of started) {
    const m = sup.procs.find((p) => p.name === tag(s.name));
    await sup.waitFor(`${cp.cluster} ${s.name} (health 127.0.0.1:${s.health})`, () => healthy(`http://127.0.0.1:${s.health}/readyz`), STARTUP_MS, m);
  }
  log(`${cp.cluster}: Flux controllers ready (events ${cp.eventsUrl})`);
}
