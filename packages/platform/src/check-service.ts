import type { ClusterFacts } from './cluster.ts';
import { DefinitionErrors, ErrorSink } from './errors.ts';
import { isDnsLabel } from './names.ts';
import { parseBytes, parseCpu, QuantityError } from './quantity.ts';
import { sloProblems } from './slo.ts';
import { forCluster, isStateless, type ImageRef, type PerCluster, type Probe, type Resources, type ServiceDefinition, type Workload } from './service.ts';

const LAYERS = ['controllers', 'configs', 'apps'] as const;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const CRON = /^(\S+\s+){4}\S+$/;
const VAULT_REF = /^[a-z0-9][-a-z0-9_/]*#[A-Za-z0-9_.-]+$/;

export interface LoadedService {
  definition: ServiceDefinition;
  /** repo-relative file that declared it, for messages */
  file: string;
  /** package folder name under apps/ */
  dir: string;
}

/**
 * Checks one service definition against every cluster. Collects all problems, each with
 * the definition file and the field path (e.g. `workloads[0].resources.single-node.requests.memory`).
 */
export function checkService(svc: LoadedService, clusters: ClusterFacts[]): ErrorSink {
  const d = svc.definition;
  const sink = new ErrorSink(svc.file);
  const clusterNames = clusters.map((c) => c.name);

  if (!isDnsLabel(d.name ?? '')) sink.add('name', `"${d.name}" is not a DNS-1123 label`, 'use lowercase letters, digits and "-"');
  if (d.name !== svc.dir) sink.add('name', `"${d.name}" must equal its package folder apps/${svc.dir}`);
  if (!LAYERS.includes(d.layer)) sink.add('layer', `must be one of ${LAYERS.join(', ')}`);
  if (!d.description) sink.add('description', 'say in one line what the service is for');
  if (d.team !== undefined && !isDnsLabel(d.team)) sink.add('team', `"${d.team}" is not a DNS-1123 label`, 'teams are routing keys in Alertmanager, e.g. "data"');
  for (const c of clusters) {
    if (!c.namespaces.some((n) => n.name === d.namespace)) {
      sink.add('namespace', `namespace "${d.namespace}" is not declared in ${c.file}`, `add it under spec.namespaces with a quota and limitRange`);
    }
  }
  if (!Array.isArray(d.workloads)) sink.add('workloads', 'must be a list (it may be empty for a config-only service)');

  const secretKeys = new Map<string, Set<string>>();
  (d.secrets ?? []).forEach((s, i) => {
    const at = `secrets[${i}]`;
    if (!isDnsLabel(s.name)) sink.add(`${at}.name`, `"${s.name}" is not a DNS-1123 label`);
    if (secretKeys.has(s.name)) sink.add(`${at}.name`, `duplicate secret "${s.name}"`);
    secretKeys.set(s.name, new Set(Object.keys(s.data ?? {})));
    for (const [k, ref] of Object.entries(s.data ?? {})) {
      if (!VAULT_REF.test(ref)) sink.add(`${at}.data.${k}`, `"${ref}" is not a Vault reference`, 'write "<path>#<property>", e.g. "data-platform/trino#password"; never a value');
    }
  });

  const workloadNames = new Set<string>();
  (d.workloads ?? []).forEach((w, i) => {
    const at = `workloads[${i}]`;
    if (!isDnsLabel(w.name)) sink.add(`${at}.name`, `"${w.name}" is not a DNS-1123 label`);
    if (workloadNames.has(w.name)) sink.add(`${at}.name`, `duplicate workload "${w.name}"`);
    workloadNames.add(w.name);
    checkWorkload(w, at, sink, clusters, clusterNames, secretKeys);
  });

  (d.public ?? []).forEach((p, i) => {
    const at = `public[${i}]`;
    const w = d.workloads.find((x) => x.name === p.workload);
    if (!w) sink.add(`${at}.workload`, `no workload "${p.workload}"`, `one of: ${[...workloadNames].join(', ')}`);
    else if (!w.ports.some((x) => x.name === p.port)) sink.add(`${at}.port`, `workload "${p.workload}" has no port "${p.port}"`);
    if (p.maxBodySize !== undefined && !/^\d+[kmg]?$/.test(p.maxBodySize)) sink.add(`${at}.maxBodySize`, `"${p.maxBodySize}" is not an nginx size`, 'write e.g. "0" (unlimited), "512m" or "10g"');
    if (p.host !== '@' && !isDnsLabel(p.host)) sink.add(`${at}.host`, `"${p.host}" is not a host label`, 'use e.g. "trino" for trino.<domain>, or "@" for the apex');
    if (!p.catalog?.name || !p.catalog.description || !p.catalog.icon) sink.add(`${at}.catalog`, 'the portal entry needs name, description and icon');
    if (p.slo) for (const problem of sloProblems(p.slo)) sink.add(`${at}.slo.${problem.field}`, problem.message, problem.hint);
  });

  (d.extraImages ?? []).forEach((img, i) => checkImage(img, `extraImages[${i}]`, sink, clusters));
  (d.operatedPods ?? []).forEach((o, i) => {
    const oat = `operatedPods[${i}]`;
    checkPerCluster(o.replicas, `${oat}.replicas`, sink, clusterNames, true, (n, path) => {
      if (!Number.isInteger(n) || n < 0) sink.add(path, `${n} is not a replica count`);
    });
    checkPerCluster(o.resources, `${oat}.resources`, sink, clusterNames, true, (r, path) => checkResources(r, path, sink));
  });

  if (d.monitoring && 'workload' in d.monitoring) {
    const m = d.monitoring;
    const w = d.workloads.find((x) => x.name === m.workload);
    if (!w) sink.add('monitoring.workload', `no workload "${m.workload}"`);
    else if (!w.ports.some((x) => x.name === m.port)) sink.add('monitoring.port', `workload "${m.workload}" has no port "${m.port}"`);
  } else if (!d.monitoring) {
    sink.add('monitoring', 'every service is monitored', 'declare { workload, port } for its metrics endpoint, or { none: "<reason>" }');
  }

  if (d.backup) {
    if (!CRON.test(d.backup.schedule)) sink.add('backup.schedule', `"${d.backup.schedule}" is not a 5-field cron expression`);
    if (!/^\d+h$/.test(d.backup.ttl)) sink.add('backup.ttl', `"${d.backup.ttl}" must be hours, e.g. "720h"`);
  } else if ((d.workloads ?? []).some((w) => (w.storage ?? []).length > 0)) {
    sink.add('backup', 'a service with persistent storage must declare a Velero backup schedule');
  }

  for (const dir of ['ingress', 'egress'] as const) {
    (d.network?.[dir] ?? []).forEach((a, i) => {
      for (const wn of a.workloads ?? []) {
        if (!workloadNames.has(wn)) sink.add(`network.${dir}[${i}].workloads`, `no workload "${wn}"`);
      }
      if (!Array.isArray(a.ports) || a.ports.length === 0) sink.add(`network.${dir}[${i}].ports`, 'list the ports the rule allows');
    });
  }
  return sink;
}

function checkImage(image: ImageRef | undefined, at: string, sink: ErrorSink, clusters: ClusterFacts[]): void {
  const upstream = image?.upstream ?? '';
  const registry = upstream.split('/')[0] ?? '';
  if (!upstream.includes('/') || !registry.includes('.')) {
    sink.add(`${at}.upstream`, `"${upstream}" must name its registry`, 'e.g. "docker.io/trinodb/trino"');
  } else {
    for (const c of clusters) {
      if (!c.registry.projects[registry]) sink.add(`${at}.upstream`, `registry "${registry}" has no Harbor mirror project in ${c.file}`, 'add it under spec.registry.projects');
    }
  }
  const tag = image?.tag ?? '';
  if (!tag || tag === 'latest') sink.add(`${at}.tag`, `"${tag}" is not a pinned tag`, 'pin a version tag or a sha256 digest');
}

function checkResources(r: Resources, path: string, sink: ErrorSink): void {
  let req = { cpu: 0, mem: 0 };
  let lim = { cpu: 0, mem: 0 };
  try {
    req = { cpu: parseCpu(r.requests?.cpu), mem: 0 };
  } catch (e) {
    sink.add(`${path}.requests.cpu`, msg(e));
  }
  try {
    req.mem = parseBytes(r.requests?.memory);
  } catch (e) {
    sink.add(`${path}.requests.memory`, msg(e));
  }
  try {
    lim = { cpu: parseCpu(r.limits?.cpu), mem: 0 };
  } catch (e) {
    sink.add(`${path}.limits.cpu`, msg(e));
  }
  try {
    lim.mem = parseBytes(r.limits?.memory);
  } catch (e) {
    sink.add(`${path}.limits.memory`, msg(e));
  }
  if (lim.cpu && req.cpu > lim.cpu) sink.add(`${path}.limits.cpu`, 'limit is below the request');
  if (lim.mem && req.mem > lim.mem) sink.add(`${path}.limits.memory`, 'limit is below the request');
}

function checkPerCluster<T>(
  value: PerCluster<T> | undefined,
  at: string,
  sink: ErrorSink,
  clusterNames: string[],
  required: boolean,
  each: (v: T, path: string, cluster: string) => void,
): void {
  if (value === undefined) {
    if (required) sink.add(at, 'is required', `give { default: … } or one value per cluster (${clusterNames.join(', ')})`);
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    sink.add(at, 'must be a per-cluster map', `e.g. { default: …, 'single-node': … }`);
    return;
  }
  for (const key of Object.keys(value)) {
    if (key !== 'default' && !clusterNames.includes(key)) {
      sink.add(`${at}.${key}`, `unknown cluster name "${key}"`, `known clusters: ${clusterNames.join(', ')}`);
    }
  }
  for (const c of clusterNames) {
    const v = forCluster(value, c);
    if (v === undefined) {
      if (required) sink.add(`${at}.${c}`, `no value for cluster "${c}"`, 'add it or a default');
      continue;
    }
    each(v, value[c] !== undefined ? `${at}.${c}` : `${at}.default`, c);
  }
}

function checkWorkload(
  w: Workload,
  at: string,
  sink: ErrorSink,
  clusters: ClusterFacts[],
  clusterNames: string[],
  secretKeys: Map<string, Set<string>>,
): void {
  if (!['Deployment', 'StatefulSet', 'DaemonSet'].includes(w.kind)) sink.add(`${at}.kind`, 'must be Deployment, StatefulSet or DaemonSet');

  checkImage(w.image, `${at}.image`, sink, clusters);

  const portNames = new Set<string>();
  const portNumbers = new Set<number>();
  (w.ports ?? []).forEach((p, j) => {
    const pat = `${at}.ports[${j}]`;
    if (!PORT_NAME.test(p.name) || p.name.length > 15) sink.add(`${pat}.name`, `"${p.name}" is not a valid port name`, 'lowercase, at most 15 characters');
    if (portNames.has(p.name)) sink.add(`${pat}.name`, `duplicate port name "${p.name}"`, 'each port of a workload needs its own name');
    if (portNumbers.has(p.port)) sink.add(`${pat}.port`, `duplicate port ${p.port}`);
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) sink.add(`${pat}.port`, `${p.port} is not a port number`);
    if (p.servicePort !== undefined && (!Number.isInteger(p.servicePort) || p.servicePort < 1 || p.servicePort > 65535)) {
      sink.add(`${pat}.servicePort`, `${p.servicePort} is not a port number`);
    }
    portNames.add(p.name);
    portNumbers.add(p.port);
  });
  const volumeNames = new Set([...(w.volumes ?? []).map((v) => v.name), ...(w.storage ?? []).map((v) => v.name)]);
  (w.initContainers ?? []).forEach((ic, j) => {
    const iat = `${at}.initContainers[${j}]`;
    if (!isDnsLabel(ic.name ?? '') || ic.name === w.name) sink.add(`${iat}.name`, `"${ic.name}" must be a DNS-1123 label other than the workload's name`);
    checkImage(ic.image, `${iat}.image`, sink, clusters);
    if (!ic.resources) sink.add(`${iat}.resources`, 'is required', 'init containers count against the namespace quota too');
    else checkResources(ic.resources, `${iat}.resources`, sink);
    (ic.mounts ?? []).forEach((m, k) => {
      if (!volumeNames.has(m.name)) sink.add(`${iat}.mounts[${k}].name`, `no volume "${m.name}" in the workload`, 'declare it under volumes');
    });
  });

  const checkProbe = (p: Probe | undefined, path: string, required: boolean) => {
    if (!p) {
      if (required) sink.add(path, 'is required', 'declare an http, tcp or exec probe');
      return;
    }
    const port = 'http' in p ? p.port : 'tcp' in p ? p.tcp : undefined;
    if (port !== undefined && !portNames.has(port)) sink.add(path, `probe port "${port}" is not a declared port`);
  };
  checkProbe(w.probes?.liveness, `${at}.probes.liveness`, true);
  checkProbe(w.probes?.readiness, `${at}.probes.readiness`, true);
  checkProbe(w.probes?.startup, `${at}.probes.startup`, false);

  checkPerCluster(w.resources, `${at}.resources`, sink, clusterNames, true, (r, path) => checkResources(r, path, sink));

  const stateless = isStateless(w);
  if (w.kind === 'DaemonSet') {
    if (w.replicas) sink.add(`${at}.replicas`, 'a DaemonSet runs one pod per node; remove replicas');
  } else {
    checkPerCluster(w.replicas, `${at}.replicas`, sink, clusterNames, true, (n, path, cluster) => {
      if (!Number.isInteger(n) || n < 0) sink.add(path, `${n} is not a replica count`);
      const facts = clusters.find((c) => c.name === cluster);
      if (w.singleton) {
        if (n !== 1) sink.add(path, `a singleton runs exactly 1 replica (${w.singleton})`);
      } else if (stateless && facts?.role === 'production' && n < 2) {
        sink.add(path, `a stateless workload needs at least 2 replicas on ${cluster} (production), got ${n}`, 'set 2 or more so a node loss or a rollout keeps it serving');
      }
    });
  }
  checkPerCluster(w.autoscale, `${at}.autoscale`, sink, clusterNames, false, (a, path, cluster) => {
    if (a === null) return;
    if (!Number.isInteger(a.min) || a.min < 1) sink.add(`${path}.min`, 'must be at least 1');
    if (!Number.isInteger(a.max) || a.max < a.min) sink.add(`${path}.max`, 'must be at least min');
    if (!(a.cpuPercent > 0 && a.cpuPercent <= 100)) sink.add(`${path}.cpuPercent`, 'must be 1–100');
    const facts = clusters.find((c) => c.name === cluster);
    if (w.singleton) sink.add(path, 'a singleton cannot autoscale');
    if (stateless && !w.singleton && facts?.role === 'production' && a.min < 2) sink.add(`${path}.min`, `must be at least 2 on ${cluster} (production)`);
    if (w.kind === 'DaemonSet') sink.add(path, 'a DaemonSet cannot autoscale');
  });

  (w.storage ?? []).forEach((s, j) => {
    const sat = `${at}.storage[${j}]`;
    if (w.kind !== 'StatefulSet') sink.add(sat, 'persistent storage needs a StatefulSet', 'set kind: StatefulSet');
    if (!isDnsLabel(s.name)) sink.add(`${sat}.name`, `"${s.name}" is not a DNS-1123 label`);
    checkPerCluster(s.size, `${sat}.size`, sink, clusterNames, true, (v, path) => {
      try {
        parseBytes(v, 'storage');
      } catch (e) {
        sink.add(path, msg(e));
      }
    });
  });

  for (const [name, v] of Object.entries(w.env ?? {})) {
    if (typeof v === 'object' && 'secret' in v) {
      const keys = secretKeys.get(v.secret);
      if (!keys) sink.add(`${at}.env.${name}`, `secret "${v.secret}" is not declared in secrets`);
      else if (!keys.has(v.key)) sink.add(`${at}.env.${name}`, `secret "${v.secret}" has no key "${v.key}"`);
    } else if (typeof v === 'string' && /pass(word)?|secret|token|api[_-]?key/i.test(name) && v !== '') {
      sink.add(`${at}.env.${name}`, 'looks like a credential written in git', 'reference a Vault-backed secret: { secret, key }');
    }
  }

  const sec = w.security;
  if (!sec || !Number.isInteger(sec.runAsUser) || (sec.runAsUser === 0 && !sec.rootReason?.trim())) {
    sink.add(`${at}.security.runAsUser`, 'workloads run as a non-root user', 'set the image\'s non-root uid, or give security.rootReason when uid 0 is unavoidable');
  }
  if (sec?.rootReason && sec.runAsUser !== 0) sink.add(`${at}.security.rootReason`, 'is only for workloads that run as uid 0', 'remove it');
  if (sec?.readOnlyRootFilesystem === false && !sec.writableRootReason) {
    sink.add(`${at}.security.writableRootReason`, 'a writable root filesystem needs a reason');
  }
  (sec?.addCapabilities ?? []).forEach((c, j) => {
    if (!c.reason) sink.add(`${at}.security.addCapabilities[${j}].reason`, `capability ${c.name} needs a reason`);
  });
  if (typeof sec?.seccomp === 'object' && !sec.seccomp.unconfined) sink.add(`${at}.security.seccomp`, 'Unconfined seccomp needs a reason');
  if (w.hostNetwork && !w.hostNetwork.reason) sink.add(`${at}.hostNetwork.reason`, 'hostNetwork needs a reason');
  (w.volumes ?? []).forEach((v, j) => {
    if ('hostPath' in v && !v.hostPath.reason) sink.add(`${at}.volumes[${j}].hostPath.reason`, 'hostPath needs a reason');
  });
}

function msg(e: unknown): string {
  return e instanceof QuantityError ? e.message : e instanceof Error ? e.message : String(e);
}

/**
 * Everything that can be checked before rendering: each definition on its own against every
 * cluster, plus hostnames claimed twice and dependsOn / network peers that name no service.
 * Runs before any builder, so a bad definition is reported by field, never as a render failure.
 */
export function checkServices(services: LoadedService[], clusters: ClusterFacts[]): void {
  const errors = [] as ErrorSink['errors'];
  const byName = new Map(services.map((s) => [s.definition.name, s]));
  for (const s of services) errors.push(...checkService(s, clusters).errors);

  const hosts = new Map<string, LoadedService>();
  for (const s of services) {
    (s.definition.public ?? []).forEach((p, i) => {
      const prior = hosts.get(p.host);
      const sink = new ErrorSink(s.file);
      if (prior && prior !== s) sink.add(`public[${i}].host`, `host "${p.host}" is already claimed by ${prior.file}`, 'each public hostname belongs to one service');
      else if (prior === s) sink.add(`public[${i}].host`, `host "${p.host}" is declared twice`);
      hosts.set(p.host, s);
      errors.push(...sink.errors);
    });
  }

  for (const s of services) {
    const sink = new ErrorSink(s.file);
    (s.definition.dependsOn ?? []).forEach((dep, i) => {
      if (!byName.has(dep)) sink.add(`dependsOn[${i}]`, `no service "${dep}"`, `services live in apps/<name>`);
    });
    for (const dir of ['ingress', 'egress'] as const) {
      (s.definition.network?.[dir] ?? []).forEach((a, i) => {
        if (typeof a.peer === 'object' && 'service' in a.peer && a.peer.service && !byName.has(a.peer.service)) {
          sink.add(`network.${dir}[${i}].peer.service`, `no service "${a.peer.service}"`);
        }
      });
    }
    errors.push(...sink.errors);
  }
  if (errors.length) throw new DefinitionErrors(errors);
}

/**
 * Checks on the dependency graph, which is known only after rendering (dependsOn is what a service
 * declares plus the providers of the kinds it renders): no dependency on a later layer, no cycle.
 */
export function checkDependencies(services: LoadedService[], derivedDeps: Map<string, string[]>): void {
  const errors = [] as ErrorSink['errors'];
  const byName = new Map(services.map((s) => [s.definition.name, s]));
  const layerIndex = (l: string) => LAYERS.indexOf(l as (typeof LAYERS)[number]);
  for (const s of services) {
    const sink = new ErrorSink(s.file);
    for (const dep of derivedDeps.get(s.definition.name) ?? []) {
      const other = byName.get(dep);
      if (other && layerIndex(other.definition.layer) > layerIndex(s.definition.layer)) {
        sink.add('layer', `"${s.definition.layer}" service depends on "${dep}" in the later layer "${other.definition.layer}"`, `move ${s.definition.name} to layer "${other.definition.layer}" or later`);
      }
    }
    errors.push(...sink.errors);
  }

  // Cycles through dependsOn would deadlock Flux.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const s = byName.get(name)!;
      const sink = new ErrorSink(s.file);
      sink.add('dependsOn', `dependency cycle: ${[...path.slice(path.indexOf(name)), name].join(' → ')}`);
      errors.push(...sink.errors);
      return;
    }
    state.set(name, 'visiting');
    for (const dep of derivedDeps.get(name) ?? []) if (byName.has(dep)) visit(dep, [...path, name]);
    state.set(name, 'done');
  };
  for (const s of services) visit(s.definition.name, []);

  if (errors.length) throw new DefinitionErrors(errors);
}
