/**
 * What a platform service is: the typed datasheet each `apps/<service>/src/service.ts` exports.
 * Builders in @carbon/manifests turn it into Kubernetes objects; nothing here knows YAML.
 */

/** A value that may differ per cluster: `{ default: x }`, `{ 'single-node': x, 'multi-node': y }`, or both. */
export type PerCluster<T> = { default?: T } & { [cluster: string]: T | undefined };

export type Layer = 'controllers' | 'configs' | 'apps';

export interface Resources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

export type Probe =
  | { http: string; port: string; scheme?: 'HTTP' | 'HTTPS'; initialDelaySeconds?: number; periodSeconds?: number; failureThreshold?: number }
  | { tcp: string; initialDelaySeconds?: number; periodSeconds?: number; failureThreshold?: number }
  | { exec: string[]; initialDelaySeconds?: number; periodSeconds?: number; failureThreshold?: number };

export interface Port {
  name: string;
  port: number;
  protocol?: 'TCP' | 'UDP';
  /** Not exposed through the workload's Service (e.g. a container-local admin port). */
  internal?: boolean;
  /** Port the workload's Service exposes when it differs from the container port (e.g. 443 in front of an unprivileged 8443). */
  servicePort?: number;
}

export interface ImageRef {
  /** Upstream reference without tag, e.g. `docker.io/trinodb/trino`. */
  upstream: string;
  /** Pinned tag (never `latest`), or a digest `sha256:…`. */
  tag: string;
}

export interface SecurityProfile {
  runAsUser: number;
  runAsGroup?: number;
  fsGroup?: number;
  /** Default true; an image that writes to its root filesystem says why in `writableRootReason`. */
  readOnlyRootFilesystem?: boolean;
  writableRootReason?: string;
  /**
   * Why the process must run as uid 0 (e.g. a backup agent that reads every pod's files). Only with
   * a reason may `runAsUser` be 0; privilege escalation stays off and capabilities stay dropped
   * except the ones listed in `addCapabilities`.
   */
  rootReason?: string;
  /** Capabilities the process needs beyond none (e.g. NET_BIND_SERVICE); each needs a reason. */
  addCapabilities?: { name: string; reason: string }[];
  /** Default RuntimeDefault; `Unconfined` needs a reason. */
  seccomp?: 'RuntimeDefault' | { unconfined: string };
}

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
}

export type ExtraVolume =
  | { name: string; emptyDir: { sizeLimit: string; medium?: 'Memory' } }
  | { name: string; configMap: string; items?: { key: string; path: string }[] }
  | { name: string; secret: string }
  | { name: string; hostPath: { path: string; type?: 'Directory' | 'DirectoryOrCreate' | 'File'; reason: string } };

export interface PersistentStorage {
  name: string;
  mountPath: string;
  size: PerCluster<string>;
  accessMode?: 'ReadWriteOnce' | 'ReadWriteMany';
}

export interface EnvFromSecret {
  /** Name of a secret declared in the service's `secrets`. */
  secret: string;
  key: string;
}

export interface Autoscale {
  min: number;
  max: number;
  /** Target average CPU utilisation (% of requests). */
  cpuPercent: number;
}

/** A container that runs to completion before the workload's container (e.g. copying a plugin binary into a shared volume). */
export interface InitContainer {
  name: string;
  image: ImageRef;
  command?: string[];
  args?: string[];
  /** Mounts of the workload's `volumes`; the init container gets the workload's security context. */
  mounts?: VolumeMount[];
  resources: Resources;
}

export interface Workload {
  /** Component name; object name is `<service>-<name>` (or `<service>` when equal). */
  name: string;
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  /** Deployments are stateless unless marked; StatefulSets are stateful. */
  stateless?: boolean;
  /** Why this workload must run exactly one pod even in production (e.g. Trino's coordinator). */
  singleton?: string;
  image: ImageRef;
  command?: string[];
  /**
   * A function form resolves images the software pulls by itself (ACME solver, config reloader)
   * to their Harbor mirror; those images must be listed in the service's `extraImages`.
   */
  args?: string[] | ((ctx: { mirror: (ref: ImageRef) => string }) => string[]);
  ports: Port[];
  env?: Record<string, string | EnvFromSecret | { fieldPath: string }>;
  probes: { liveness: Probe; readiness: Probe; startup?: Probe };
  resources: PerCluster<Resources>;
  /** Not for DaemonSets. */
  replicas?: PerCluster<number>;
  autoscale?: PerCluster<Autoscale | null>;
  storage?: PersistentStorage[];
  volumes?: ExtraVolume[];
  mounts?: VolumeMount[];
  /**
   * Files rendered into a ConfigMap `<workload>-config` mounted at `mountPath`; a change rolls the pods.
   * A function receives the platform context (e.g. every public route, for the tunnel and the portal).
   */
  config?: { mountPath: string; files: Record<string, string> | ((ctx: ExtraObjectsContext) => Record<string, string>) };
  /** Run before the workload's container, e.g. to copy a plugin into a shared emptyDir; images are mirrored like the workload's. */
  initContainers?: InitContainer[];
  security: SecurityProfile;
  serviceAccount?: {
    /** Mount the API token: only for workloads that talk to the Kubernetes API. */
    automountToken?: boolean;
    rules?: PolicyRule[];
    clusterRules?: PolicyRule[];
  };
  /** Pod-level extras that must be declared explicitly (and are checked by policy). */
  hostNetwork?: { reason: string };
  tolerations?: { operator: 'Exists'; effect?: 'NoSchedule' | 'NoExecute' }[];
  priorityClassName?: string;
  terminationGracePeriodSeconds?: number;
}

export type NetworkPeer =
  | { namespace: string; service?: string; workload?: string }
  | { service: string; workload?: string }
  | { cidr: string; except?: string[] }
  | 'kube-apiserver'
  | 'internet';

export interface NetworkAllow {
  /** Which of this service's workloads the rule is for (default: all). */
  workloads?: string[];
  peer: NetworkPeer;
  ports: (number | string)[];
}

export interface PublicEndpoint {
  /** Host label under the cluster domain (`trino` → trino.254carbon.com); `@` is the apex. */
  host: string;
  workload: string;
  port: string;
  path?: string;
  /** Backend speaks TLS (e.g. Vault with its own certificate). */
  backendTls?: boolean;
  /** Largest request body ingress-nginx accepts (its default is 1m); "0" means unlimited, e.g. image pushes. */
  maxBodySize?: string;
  /** Availability and latency objectives for this host (see slo.ts; `{}` takes the seeds' defaults). validate flags a public host without one. */
  slo?: import('./slo.ts').SloDeclaration;
  catalog: { name: string; category: 'Data' | 'Analytics' | 'Security' | 'Observability' | 'Platform' | 'Storage'; description: string; icon: string };
}

export interface SecretDeclaration {
  /** Kubernetes Secret name created by External Secrets. */
  name: string;
  /** key in the Secret → Vault `path#property`, e.g. `data-platform/trino#password`. */
  data: Record<string, string>;
  type?: 'Opaque' | 'kubernetes.io/dockerconfigjson';
}

export interface BackupPolicy {
  schedule: string;
  ttl: string;
}

export interface Monitoring {
  workload: string;
  port: string;
  path?: string;
  interval?: string;
  /** Keep the target's own `namespace`/`pod` labels (exporters about other objects, e.g. kube-state-metrics). */
  honorLabels?: boolean;
  /** Add the scraped pod's node as label `node` (per-node exporters, so node alerts can name and inhibit by node). */
  nodeLabel?: boolean;
}

/** A public hostname as every service sees it (for the tunnel config and the portal catalog). */
export interface PublicRoute {
  service: string;
  namespace: string;
  fqdn: string;
  backendTls: boolean;
  catalog: PublicEndpoint['catalog'];
}

export interface ExtraObjectsContext {
  cluster: import('./cluster.ts').ClusterFacts;
  namespace: string;
  service: string;
  /** Every public route of the platform on this cluster, sorted by fqdn. */
  publicRoutes: PublicRoute[];
  /**
   * Every service's `backup` on this cluster, sorted by service: the velero service renders their
   * Schedules, so a backed-up service does not wait on Velero (Vault is backed up and Velero needs Vault).
   */
  backups?: BackupTarget[];
  /** Every public endpoint's SLO on this cluster, sorted by name: Grafana renders their dashboards. */
  slos?: import('./slo.ts').ResolvedSlo[];
  /** Every team and the namespaces whose alerts it receives: Alertmanager's routes. */
  teams?: TeamRouting[];
}

export interface TeamRouting {
  team: string;
  namespaces: string[];
}

export interface BackupTarget extends BackupPolicy {
  service: string;
  namespace: string;
}

/** Objects a service needs that are not workloads (ClusterIssuers, webhooks, catalogs, …), built with typed helpers. */
export type ExtraObjects = (ctx: ExtraObjectsContext) => { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [field: string]: unknown }[];

export interface OperatedPods {
  name: string;
  replicas: PerCluster<number>;
  /** Requests and limits of one pod, all its containers summed. */
  resources: PerCluster<Resources>;
}

export interface ServiceDefinition {
  name: string;
  namespace: string;
  layer: Layer;
  description: string;
  /** Who is paged for it: alerts carry `team` and Alertmanager routes on it (default `platform`). */
  team?: string;
  /** Services this one needs running first (beyond what is derived from the kinds it uses). */
  dependsOn?: string[];
  workloads: Workload[];
  public?: PublicEndpoint[];
  monitoring?: Monitoring | { none: string };
  backup?: BackupPolicy;
  secrets?: SecretDeclaration[];
  network?: { ingress?: NetworkAllow[]; egress?: NetworkAllow[] };
  /** Images the software starts by itself (not a workload's container): mirrored and listed by `platform images`. */
  extraImages?: ImageRef[];
  /** Pods an operator creates from this service's custom resources (e.g. Prometheus): counted by inventory like workloads. */
  operatedPods?: OperatedPods[];
  /** CRDs shipped with this service, from a pinned source in @carbon/toolchain. */
  crds?: { source: string };
  extraObjects?: ExtraObjects;
}

/** Identity function that gives a service file its type and a place to hang docs. */
export function defineService(def: ServiceDefinition): ServiceDefinition {
  return def;
}

export function workloadObjectName(service: string, workload: string): string {
  return workload === service ? service : `${service}-${workload}`;
}

export function isStateless(w: Workload): boolean {
  if (w.kind === 'StatefulSet') return false;
  if (w.kind === 'DaemonSet') return false;
  return w.stateless !== false;
}

/** Resolves a per-cluster value; returns undefined when neither the cluster nor default is set. */
export function forCluster<T>(value: PerCluster<T> | undefined, cluster: string): T | undefined {
  if (!value) return undefined;
  const own = value[cluster];
  return own !== undefined ? own : value.default;
}
