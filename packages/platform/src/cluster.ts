import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DefinitionErrors, type DefinitionError } from './errors.ts';
import { isDnsLabel, isDnsSubdomain } from './names.ts';
import { parseBytes, parseCpu, QuantityError } from './quantity.ts';
import { YamlSource } from './yaml-source.ts';

export const CLUSTER_FILE = 'cluster.yaml';
export const FACTS_API_VERSION = 'platform.254carbon.com/v1alpha1';

export type ClusterRole = 'staging' | 'production';

export interface NodeFacts {
  name: string;
  allocatable: { cpu: string; memory: string; pods: number };
  /** Local persistent storage the node offers to PVCs. */
  storage: string;
  labels: Record<string, string>;
}

export interface QuotaFacts {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
  pods: number;
  storage: string;
  persistentVolumeClaims: number;
}

export interface LimitRangeFacts {
  defaultRequest: { cpu: string; memory: string };
  default: { cpu: string; memory: string };
  max: { cpu: string; memory: string };
}

export interface NamespaceFacts {
  name: string;
  quota: QuotaFacts;
  limitRange: LimitRangeFacts;
}

export interface RegistryFacts {
  /** Harbor host every image is pulled from. */
  host: string;
  /** Harbor proxy-cache project per upstream registry host. */
  projects: Record<string, string>;
}

export interface GitFacts {
  url: string;
  branch: string;
  secretRef: string;
}

/** What a cluster is, as declared in clusters/<name>/cluster.yaml. */
export interface ClusterFacts {
  name: string;
  role: ClusterRole;
  /** How services are sourced: `branch` follows git.branch; `pinned` uses per-service promoted commits. */
  sourcing: 'branch' | 'pinned';
  domain: string;
  registry: RegistryFacts;
  git: GitFacts;
  nodes: NodeFacts[];
  namespaces: NamespaceFacts[];
  /** repo-relative path of the file, for messages */
  file: string;
}

export function listClusterNames(root: string): string[] {
  const dir = join(root, 'clusters');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, CLUSTER_FILE)))
    .map((d) => d.name)
    .sort();
}

export function loadClusters(root: string): ClusterFacts[] {
  return listClusterNames(root).map((n) => loadCluster(root, n));
}

export function loadCluster(root: string, name: string): ClusterFacts {
  const rel = `clusters/${name}/${CLUSTER_FILE}`;
  const abs = join(root, rel);
  if (!existsSync(abs)) {
    const known = listClusterNames(root);
    throw new DefinitionErrors([
      new YamlSource(rel, '{}').error('', `unknown cluster "${name}"`, `known clusters: ${known.join(', ') || 'none'}`),
    ]);
  }
  return parseClusterFacts(YamlSource.read(abs, rel), name);
}

/** Checks a cluster file field by field; every problem carries file:line and the field path. */
export function parseClusterFacts(src: YamlSource, expectedName: string): ClusterFacts {
  const errors: DefinitionError[] = [];
  const raw = src.toJS() as Record<string, any> | null;
  const fail = (field: string, message: string, hint?: string) => errors.push(src.error(field, message, hint));

  if (!raw || typeof raw !== 'object') throw new DefinitionErrors([src.error('', 'empty cluster file')]);
  if (raw.apiVersion !== FACTS_API_VERSION) fail('apiVersion', `must be ${FACTS_API_VERSION}`);
  if (raw.kind !== 'ClusterFacts') fail('kind', 'must be ClusterFacts');
  if (raw.metadata?.name !== expectedName) fail('metadata.name', `must equal the folder name "${expectedName}"`);
  const spec = (raw.spec ?? {}) as Record<string, any>;

  const str = (field: string, v: unknown): string => {
    if (typeof v !== 'string' || v === '') fail(field, 'required string is missing');
    return typeof v === 'string' ? v : '';
  };
  const cpu = (field: string, v: unknown): string => {
    try {
      parseCpu(v as string);
    } catch (e) {
      fail(field, e instanceof QuantityError ? e.message : String(e));
    }
    return String(v);
  };
  const bytes = (field: string, v: unknown, kind: 'memory' | 'storage' = 'memory'): string => {
    try {
      parseBytes(v as string, kind);
    } catch (e) {
      fail(field, e instanceof QuantityError ? e.message : String(e));
    }
    return String(v);
  };
  const int = (field: string, v: unknown): number => {
    if (!Number.isInteger(v) || (v as number) < 0) fail(field, 'must be a whole number');
    return Number(v);
  };

  const role = spec.role;
  if (role !== 'staging' && role !== 'production') fail('spec.role', 'must be "staging" or "production"');
  const sourcing = spec.sourcing;
  if (sourcing !== 'branch' && sourcing !== 'pinned') fail('spec.sourcing', 'must be "branch" or "pinned"');
  const domain = str('spec.domain', spec.domain);
  if (domain && !isDnsSubdomain(domain)) fail('spec.domain', `"${domain}" is not a DNS name`);

  const registry: RegistryFacts = {
    host: str('spec.registry.host', spec.registry?.host),
    projects: {},
  };
  for (const [up, project] of Object.entries(spec.registry?.projects ?? {})) {
    if (typeof project !== 'string' || !isDnsLabel(project)) fail(`spec.registry.projects.${up}`, 'must be a Harbor project name');
    else registry.projects[up] = project;
  }
  if (Object.keys(registry.projects).length === 0) fail('spec.registry.projects', 'declare at least one upstream registry → Harbor project');

  const git: GitFacts = {
    url: str('spec.git.url', spec.git?.url),
    branch: str('spec.git.branch', spec.git?.branch),
    secretRef: str('spec.git.secretRef', spec.git?.secretRef),
  };

  const nodes: NodeFacts[] = [];
  if (!Array.isArray(spec.nodes) || spec.nodes.length === 0) fail('spec.nodes', 'declare at least one node');
  (Array.isArray(spec.nodes) ? spec.nodes : []).forEach((n: any, i: number) => {
    const at = `spec.nodes.${i}`;
    const name = str(`${at}.name`, n?.name);
    if (name && !isDnsSubdomain(name)) fail(`${at}.name`, `"${name}" is not a valid node name`);
    if (nodes.some((o) => o.name === name)) fail(`${at}.name`, `duplicate node name "${name}"`);
    nodes.push({
      name,
      allocatable: {
        cpu: cpu(`${at}.allocatable.cpu`, n?.allocatable?.cpu),
        memory: bytes(`${at}.allocatable.memory`, n?.allocatable?.memory),
        pods: int(`${at}.allocatable.pods`, n?.allocatable?.pods),
      },
      storage: bytes(`${at}.storage`, n?.storage, 'storage'),
      labels: { ...(n?.labels ?? {}) },
    });
  });

  const namespaces: NamespaceFacts[] = [];
  const nsMap = spec.namespaces;
  if (!nsMap || typeof nsMap !== 'object' || Array.isArray(nsMap)) fail('spec.namespaces', 'must be a map of namespace name → quota and limitRange');
  for (const [name, ns] of Object.entries((nsMap ?? {}) as Record<string, any>)) {
    const at = `spec.namespaces.${name}`;
    if (!isDnsLabel(name)) fail(at, `"${name}" is not a DNS-1123 label`);
    const q = ns?.quota ?? {};
    const l = ns?.limitRange ?? {};
    namespaces.push({
      name,
      quota: {
        requests: { cpu: cpu(`${at}.quota.requests.cpu`, q.requests?.cpu), memory: bytes(`${at}.quota.requests.memory`, q.requests?.memory) },
        limits: { cpu: cpu(`${at}.quota.limits.cpu`, q.limits?.cpu), memory: bytes(`${at}.quota.limits.memory`, q.limits?.memory) },
        pods: int(`${at}.quota.pods`, q.pods),
        storage: bytes(`${at}.quota.storage`, q.storage, 'storage'),
        persistentVolumeClaims: int(`${at}.quota.persistentVolumeClaims`, q.persistentVolumeClaims),
      },
      limitRange: {
        defaultRequest: { cpu: cpu(`${at}.limitRange.defaultRequest.cpu`, l.defaultRequest?.cpu), memory: bytes(`${at}.limitRange.defaultRequest.memory`, l.defaultRequest?.memory) },
        default: { cpu: cpu(`${at}.limitRange.default.cpu`, l.default?.cpu), memory: bytes(`${at}.limitRange.default.memory`, l.default?.memory) },
        max: { cpu: cpu(`${at}.limitRange.max.cpu`, l.max?.cpu), memory: bytes(`${at}.limitRange.max.memory`, l.max?.memory) },
      },
    });
  }

  if (errors.length) throw new DefinitionErrors(errors);
  return {
    name: expectedName,
    role: role as ClusterRole,
    sourcing: sourcing as 'branch' | 'pinned',
    domain,
    registry,
    git,
    nodes,
    namespaces,
    file: src.file,
  };
}

export function namespaceFacts(cluster: ClusterFacts, name: string): NamespaceFacts | undefined {
  return cluster.namespaces.find((n) => n.name === name);
}
