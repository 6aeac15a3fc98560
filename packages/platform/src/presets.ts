/**
 * Presets: the blocks several service definitions declare alike (a non-root user, a probe set,
 * a size, the same value on both clusters, egress to a platform service, JVM options), named once.
 *
 * Each preset is a plain function that returns plain definition data (a `SecurityProfile`,
 * `Workload['probes']`, `Resources`, a `PerCluster` value, a `NetworkAllow`, a string). Nothing is
 * hidden behind them: a definition that uses a preset hands the builders exactly the object it
 * would have written by hand, so switching to or from a preset never changes generated output.
 * Spread or override the result where a service differs (`{ ...httpProbes(…), readiness: … }`).
 */
import type { NetworkAllow, PerCluster, Probe, Resources, SecurityProfile, Workload } from './service.ts';

// ---------------------------------------------------------------------------------------------
// Per-cluster values

/** The repository's two clusters: `single-node` (staging) and `multi-node` (production). */
export const CLUSTER_NAMES = { staging: 'single-node', production: 'multi-node' } as const;

/**
 * A value per cluster: `{ 'single-node': staging, 'multi-node': production }`; one argument gives
 * both clusters the same value (a fresh copy of the map, so a definition may not alias another's).
 */
export function byCluster<T>(staging: T, production: T = staging): PerCluster<T> {
  return { [CLUSTER_NAMES.staging]: staging, [CLUSTER_NAMES.production]: production };
}

/** The same value on every cluster, present and future: `{ default: value }`. */
export function everywhere<T>(value: T): PerCluster<T> {
  return { default: value };
}

// ---------------------------------------------------------------------------------------------
// Sizing

/** `cpu/memory` as Kubernetes quantities, e.g. `250m/1Gi` or `1/1536Mi`. */
export type CpuMemory = `${string}/${string}`;

function cpuMemory(value: CpuMemory, what: string): { cpu: string; memory: string } {
  const parts = value.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new Error(`resources: ${what} '${value}' is not 'cpu/memory' (e.g. '250m/512Mi')`);
  }
  return { cpu: parts[0], memory: parts[1] };
}

/** Requests and limits of one container, each written `cpu/memory`: `resources('250m/1Gi', '1/1536Mi')`. */
export function resources(requests: CpuMemory, limits: CpuMemory): Resources {
  return { requests: cpuMemory(requests, 'requests'), limits: cpuMemory(limits, 'limits') };
}

// ---------------------------------------------------------------------------------------------
// Security profiles

export interface NonRootOptions {
  /** Primary group (default: the uid). */
  gid?: number;
  /** Sets `fsGroup` to the group, so the process owns the files of the volumes it mounts (PVCs). */
  ownsVolumes?: boolean;
  /** Why the image must write to its root filesystem; given, the root filesystem is writable. */
  writableRoot?: string;
}

/**
 * The image's non-root user (uid, by default gid = uid), optionally owning its volumes and with a
 * reasoned writable root filesystem. uid 0 is refused: running as root needs a `rootReason`,
 * written out in the definition where a reviewer sees it.
 */
export function nonRootUser(uid: number, options: NonRootOptions = {}): SecurityProfile {
  if (!Number.isInteger(uid) || uid <= 0) {
    throw new Error(`nonRootUser: uid must be a positive integer, got ${uid} (root needs an explicit SecurityProfile with rootReason)`);
  }
  const gid = options.gid ?? uid;
  return {
    runAsUser: uid,
    runAsGroup: gid,
    ...(options.ownsVolumes ? { fsGroup: gid } : {}),
    ...(options.writableRoot !== undefined ? { readOnlyRootFilesystem: false, writableRootReason: options.writableRoot } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Probes

/** When a probe starts, how often it runs and how many failures it tolerates (builder defaults: 10 s, 10 s, 3). */
export type ProbeTiming = Pick<Probe, 'initialDelaySeconds' | 'periodSeconds' | 'failureThreshold'>;

/** Timing per probe; a `startup` entry adds a startup probe (slow starters: JVMs, metadata replay). */
export interface ProbeTimings {
  startup?: ProbeTiming;
  liveness?: ProbeTiming;
  readiness?: ProbeTiming;
}

/** One HTTP GET probe on a named port. */
export function httpGet(path: string, port: string, timing: ProbeTiming = {}): Probe {
  return { http: path, port, ...timing };
}

/** One TCP-connect probe on a named port. */
export function tcpSocket(port: string, timing: ProbeTiming = {}): Probe {
  return { tcp: port, ...timing };
}

function sameCheck(check: (timing: ProbeTiming) => Probe, timings: ProbeTimings): Workload['probes'] {
  return {
    ...(timings.startup ? { startup: check(timings.startup) } : {}),
    liveness: check(timings.liveness ?? {}),
    readiness: check(timings.readiness ?? {}),
  };
}

/** Liveness and readiness (and startup, when timed) all GET the same path: `httpProbes('/health', 'http')`. */
export function httpProbes(path: string, port: string, timings: ProbeTimings = {}): Workload['probes'] {
  return sameCheck((t) => httpGet(path, port, t), timings);
}

/** Liveness and readiness (and startup, when timed) all connect to the same port. */
export function tcpProbes(port: string, timings: ProbeTimings = {}): Workload['probes'] {
  return sameCheck((t) => tcpSocket(port, t), timings);
}

/** Liveness and readiness (and startup, when timed) all run the same command in the container. */
export function execProbes(command: string[], timings: ProbeTimings = {}): Workload['probes'] {
  return sameCheck((t) => ({ exec: command, ...t }), timings);
}

// ---------------------------------------------------------------------------------------------
// Network: egress to the platform's shared services

function allow(peer: NetworkAllow['peer'], ports: (number | string)[], workloads: string[]): NetworkAllow {
  return { ...(workloads.length ? { workloads } : {}), peer, ports };
}

/**
 * Egress rules to what many services talk to. Each takes the workloads the rule is for (none: all
 * of the service's workloads). The peers' sides (their ingress) are declared by the peers; the
 * ports are the ones the peers serve (checked against their definitions in apps/*\/test).
 */
export const egress = {
  /** The shared PostgreSQL (`postgresql.data-platform.svc:5432`). */
  postgresql: (...workloads: string[]): NetworkAllow => allow({ service: 'postgresql' }, [5432], workloads),
  /** MinIO's S3 API (`minio.data-platform.svc:9000`). */
  minio: (...workloads: string[]): NetworkAllow => allow({ service: 'minio' }, [9000], workloads),
  /** Vault's API (`vault.vault.svc:8200`). */
  vault: (...workloads: string[]): NetworkAllow => allow({ service: 'vault' }, [8200], workloads),
  /** The Kubernetes API server (443 and 6443, any address: its address is not a cluster fact). */
  kubeApi: (...workloads: string[]): NetworkAllow => allow('kube-apiserver', [443, 6443], workloads),
  /** Addresses outside the cluster on the given ports (e.g. `[443]` for upstream registries). */
  internet: (ports: number[], ...workloads: string[]): NetworkAllow => allow('internet', ports, workloads),
};

/** The shared PostgreSQL as its clients address it (database per client, see apps/postgresql). */
export const sharedPostgres = {
  host: 'postgresql.data-platform.svc',
  port: 5432,
  /** `host:port`. */
  address: 'postgresql.data-platform.svc:5432',
  /** JDBC URL of one client's database. */
  jdbcUrl: (database: string): string => `jdbc:postgresql://postgresql.data-platform.svc:5432/${database}`,
};

// ---------------------------------------------------------------------------------------------
// JVM services

export interface JvmOptions {
  /** Initial heap (`-Xms`); left out when not given. */
  xms?: string;
  /** Maximum heap (`-Xmx`). */
  xmx: string;
  /** `-XX:` flags in order, without the prefix, e.g. `['+UseG1GC', '+ExitOnOutOfMemoryError']`. */
  xx?: string[];
  /** System properties (`-Dkey=value`) in order. */
  props?: Record<string, string>;
}

/** A JVM command line: heap, then `-XX:` flags, then `-D` properties, e.g. for `JAVA_OPTS`. */
export function jvmOptions(o: JvmOptions): string {
  return [
    ...(o.xms ? [`-Xms${o.xms}`] : []),
    `-Xmx${o.xmx}`,
    ...(o.xx ?? []).map((f) => `-XX:${f}`),
    ...Object.entries(o.props ?? {}).map(([k, v]) => `-D${k}=${v}`),
  ].join(' ');
}
