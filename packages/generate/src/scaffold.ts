import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isDnsLabel, loadClusters, oneSidedNetworkRules, type LoadedService, type NetworkAllow, type ServiceDefinition } from '@carbon/platform';
import { listServiceDirs, loadServices, SERVICE_FILE } from './load.ts';

/**
 * `platform new <service>`: a new service package under apps/<name>, shaped like the existing
 * ones (package.json, tsconfig.json, scripts/generate.ts, src/service.ts) with a minimal definition
 * that `platform generate` accepts as it is: one Deployment with a pinned image, probes, requests
 * and limits, a non-root security profile, 2 replicas on production clusters, the namespace's team,
 * default-deny network plus the rules --talks-to/--reached-from ask for (checked against the peers'
 * definitions; what each peer must add is returned, never written into their code).
 * Written to a temporary folder next to apps/ and renamed into place: a failure leaves nothing.
 */

export class ScaffoldError extends Error {
  override readonly name = 'ScaffoldError';
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

export interface ScaffoldOptions {
  name: string;
  /** A namespace every clusters/<name>/cluster.yaml declares (with its quota). */
  namespace: string;
  /** `registry/repository:tag` or `registry/repository@sha256:<64 hex>`: pinned, never `latest`. */
  image: string;
  /** The container port (named `http`); probes use it. */
  port?: number;
  description?: string;
  /** Who is paged for it (alerts route on it); default: the team that owns every service of the namespace. */
  team?: string;
  /** What it calls: `<service>[/<workload>]:<port>[,<port>…]` (the peer's port, by number or name). */
  talksTo?: string[];
  /** Who calls it: `<service>[/<workload>][:<port>[,<port>…]]` (its own port; default http). */
  reachedFrom?: string[];
}

/** The other side of a rule the new definition declares: the peer's file, the list and the rule to add there. */
export interface PeerEdit {
  file: string;
  field: 'network.ingress' | 'network.egress';
  add: string;
}

export interface Scaffold {
  /** repo-relative, e.g. `apps/redis` */
  dir: string;
  /** repo-relative paths written */
  files: string[];
  /** Rules the peers must add before the traffic flows (checked against their definitions as they are now). */
  peerEdits: PeerEdit[];
  nextSteps: string[];
}

/** Reduce a user-given string to harmless characters before echoing it. */
const shown = (s: string) => s.replace(/[^A-Za-z0-9._:/@-]/g, '?').slice(0, 80);

/** `upstream:tag` or `upstream@sha256:…` → the definition's ImageRef; anything unpinned is refused. */
export function parseImage(image: string): { upstream: string; tag: string } {
  const digest = /^([a-z0-9][a-z0-9._/-]*[a-z0-9])@(sha256:[0-9a-f]{64})$/.exec(image);
  if (digest) return { upstream: digest[1]!, tag: digest[2]! };
  const tagged = /^([a-z0-9][a-z0-9.:_/-]*[a-z0-9])(?::([A-Za-z0-9_][A-Za-z0-9._-]{0,127}))$/.exec(image);
  // The last ':' after the last '/' separates the tag (a registry port has a '/' after it).
  if (!tagged || tagged[1]!.lastIndexOf('/') < 0 || tagged[1]!.slice(tagged[1]!.lastIndexOf('/')).includes(':')) {
    throw new ScaffoldError(`--image "${shown(image)}" is not a pinned image reference`, 'give registry/repository:tag or registry/repository@sha256:<digest>, e.g. docker.io/library/redis:7.4.1');
  }
  if (tagged[2] === 'latest') throw new ScaffoldError(`--image "${shown(image)}" uses the tag "latest"`, 'pin a version tag or a digest: the cluster must run what was reviewed');
  return { upstream: tagged[1]!, tag: tagged[2]! };
}

const PEER = /^([a-z][a-z0-9-]{0,62})(?:\/([a-z][a-z0-9-]{0,62}))?(?::([a-z0-9-]+(?:,[a-z0-9-]+)*))?$/;

/**
 * `--talks-to` / `--reached-from` values → network rules, checked against the definitions: the
 * peer is a service with workloads, the workload is one of its own, and each port is one the
 * receiving side declares (the peer's for talks-to, the new service's `http` for reached-from).
 */
function networkRules(flag: '--talks-to' | '--reached-from', values: readonly string[], services: readonly LoadedService[], own: { port: number }): NetworkAllow[] {
  const names = services.map((x) => x.definition.name).sort();
  return values.map((v) => {
    const m = PEER.exec(v);
    const example = flag === '--talks-to' ? 'e.g. --talks-to postgresql:5432 or --talks-to trino/coordinator:http' : 'e.g. --reached-from superset or --reached-from superset:http';
    if (!m) throw new ScaffoldError(`${flag} "${shown(v)}" is not <service>[/<workload>]${flag === '--talks-to' ? ':<port>' : '[:<port>]'}`, example);
    const [, name, workload, portList] = m as unknown as [string, string, string | undefined, string | undefined];
    const peer = services.find((x) => x.definition.name === name)?.definition;
    if (!peer) throw new ScaffoldError(`${flag} "${shown(v)}": no service "${name}" in apps/`, `the services are: ${names.join(', ')}`);
    if (!peer.workloads.length) throw new ScaffoldError(`${flag} "${shown(v)}": ${name} has no workloads of its own (its pods are run by an operator), so its side of the rule cannot be declared by service`, `declare the rule by namespace in ${flag === '--talks-to' ? 'network.egress' : 'network.ingress'} of the new definition: { peer: { namespace: '${peer.namespace}' }, ports: [...] }`);
    if (workload && !peer.workloads.some((w) => w.name === workload)) throw new ScaffoldError(`${flag} "${shown(v)}": ${name} has no workload "${workload}"`, `its workloads are: ${peer.workloads.map((w) => w.name).join(', ')}`);
    if (flag === '--talks-to' && !portList) throw new ScaffoldError(`${flag} "${shown(v)}" names no port`, `the ports ${name} declares: ${portsOf(peer, workload).join(', ')} (${example})`);
    const ports = (portList ?? 'http').split(',').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    const receiving = flag === '--talks-to' ? portsOf(peer, workload) : [own.port, 'http'];
    const unknown = ports.filter((p) => !receiving.includes(p));
    if (unknown.length) {
      const whose = flag === '--talks-to' ? `${name}${workload ? `/${workload}` : ''} declares` : 'the new service declares';
      throw new ScaffoldError(`${flag} "${shown(v)}": port ${unknown.join(', ')} is not one ${whose}`, `give one of: ${receiving.join(', ')}`);
    }
    return { peer: workload ? { service: name, workload } : { service: name }, ports };
  });
}

/** A workload's container ports by number and by name (all workloads when none is named). */
const portsOf = (d: ServiceDefinition, workload?: string): (number | string)[] => [...new Set(d.workloads.filter((w) => !workload || w.name === workload).flatMap((w) => w.ports.flatMap((p) => [p.port, p.name])))];

const ruleSource = (r: NetworkAllow) => {
  const peer = r.peer as { service: string; workload?: string };
  return `{ peer: { service: ${q(peer.service)}${peer.workload ? `, workload: ${q(peer.workload)}` : ''} }, ports: [${r.ports.map((p) => (typeof p === 'number' ? String(p) : q(p))).join(', ')}] }`;
};

const networkSource = (n: { ingress: NetworkAllow[]; egress: NetworkAllow[] }) => {
  const list = (key: string, rules: NetworkAllow[]) => (rules.length ? [`    ${key}: [\n${rules.map((r) => `      ${ruleSource(r)},\n`).join('')}    ],\n`] : []);
  const body = [...list('ingress', n.ingress), ...list('egress', n.egress)];
  return body.length ? `{\n${body.join('')}  }` : '{}';
};

const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

type Resolved = Required<Omit<ScaffoldOptions, 'talksTo' | 'reachedFrom' | 'team'>> & { team?: string; network: { ingress: NetworkAllow[]; egress: NetworkAllow[] } };

function serviceSource(o: Resolved, image: { upstream: string; tag: string }, production: string[]): string {
  const replicas = [`default: 1`, ...production.map((c) => `${/^[a-z_$][\w$]*$/i.test(c) ? c : q(c)}: 2`)].join(', ');
  return `import { defineService, nonRootUser, resources, tcpProbes } from '@carbon/platform';

// Scaffolded by \`platform new ${o.name}\`. The types in packages/platform/src/service.ts are the
// reference; docs/adding-a-service.md says what to decide (public, secrets, storage, network).
export const service = defineService({
  name: ${q(o.name)},
  namespace: ${q(o.namespace)},
  layer: 'apps',
  description: ${q(o.description)},${o.team ? `\n  // Alerts of the namespace go to one team only while all its services name the same one.\n  team: ${q(o.team)},` : ''}
  workloads: [
    {
      name: ${q(o.name)},
      kind: 'Deployment',
      image: { upstream: ${q(image.upstream)}, tag: ${q(image.tag)} },
      ports: [{ name: 'http', port: ${o.port} }],
      // Presets (packages/platform/src/presets.ts, docs/adding-a-service.md): httpProbes('/healthz', 'http')
      // once the service has a health endpoint.
      probes: tcpProbes('http', { liveness: { initialDelaySeconds: 10 }, readiness: { initialDelaySeconds: 5 } }),
      resources: { default: resources('100m/128Mi', '500m/512Mi') },
      // Production runs at least 2 of a stateless service (or says why not: \`singleton: '<why>'\`).
      replicas: { ${replicas} },
      security: nonRootUser(65532),
    },
  ],
  monitoring: { none: 'scaffolded: no metrics endpoint declared yet' },
  // Default-deny: add allows, and the peer's matching rule (egress here needs ingress there).
  network: ${networkSource(o.network)},
});
`;
}

export async function scaffoldService(root: string, options: ScaffoldOptions): Promise<Scaffold> {
  const { name } = options;
  if (!isDnsLabel(name)) throw new ScaffoldError(`"${shown(name)}" is not a service name (a DNS-1123 label)`, 'use lowercase letters, digits and "-", starting with a letter, at most 63 characters, e.g. redis-cache');
  const services = listServiceDirs(root);
  const dir = `apps/${name}`;
  if (services.includes(name) || existsSync(join(root, dir))) throw new ScaffoldError(`${dir} already exists`, `choose another name; the services are: ${services.join(', ') || '(none)'}`);
  const clusters = loadClusters(root);
  if (!clusters.length) throw new ScaffoldError('no clusters/<name>/cluster.yaml in this repository', 'a service is placed in a namespace every cluster declares');
  const everywhere = clusters[0]!.namespaces.map((n) => n.name).filter((ns) => clusters.every((c) => c.namespaces.some((n) => n.name === ns))).sort();
  if (!everywhere.includes(options.namespace)) {
    throw new ScaffoldError(`--namespace "${shown(options.namespace)}" is not declared in every cluster.yaml`, `valid choices: ${everywhere.join(', ')} (a new namespace is added with its quota to each clusters/<name>/cluster.yaml first)`);
  }
  const port = options.port ?? 8080;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ScaffoldError(`--port ${shown(String(options.port))} is not a port`, 'give a number from 1 to 65535');
  const image = parseImage(options.image);
  const description = options.description ?? `${name}: say what it does and who uses it`;
  if (/[\n\r]/.test(description)) throw new ScaffoldError('--description must be one line', 'the portal and the diff show it on one line');
  // The peers' definitions as they are now: the rules are checked against them before anything is written.
  const talks = options.talksTo ?? [];
  const reached = options.reachedFrom ?? [];
  const existing = await loadServices(root);
  // A namespace's alerts go to the team all its services name; a service without one makes it
  // mixed and sends them to platform (packages/manifests/src/alertmanager.ts): inherit the owner.
  const owners = [...new Set(existing.filter((x) => x.definition.namespace === options.namespace).map((x) => x.definition.team ?? 'platform'))];
  const owner = owners.length === 1 && owners[0] !== 'platform' ? owners[0] : undefined;
  if (options.team !== undefined && !isDnsLabel(options.team)) throw new ScaffoldError(`--team "${shown(options.team)}" is not a team name`, 'lowercase letters, digits and "-", e.g. data');
  const team = options.team ?? owner;
  const network = { egress: networkRules('--talks-to', talks, existing, { port }), ingress: networkRules('--reached-from', reached, existing, { port }) };
  const o: Resolved = { name, namespace: options.namespace, image: options.image, port, description, network, ...(team ? { team } : {}) };
  const production = clusters.filter((c) => c.role === 'production').map((c) => c.name);

  const files: Record<string, string> = {
    'package.json': `${JSON.stringify(
      {
        name: `@carbon/app-${name}`,
        private: true,
        type: 'module',
        description: o.description,
        dependencies: { '@carbon/platform': '*', '@carbon/manifests': '*', '@carbon/generate': '*' },
        scripts: { generate: 'tsx scripts/generate.ts', lint: 'eslint .', typecheck: 'tsc -p tsconfig.json' },
      },
      null,
      2,
    )}\n`,
    'tsconfig.json': `{ "extends": "../../tsconfig.base.json", "include": ["src", "scripts", "test"] }\n`,
    'scripts/generate.ts': `// Regenerates this service's Kustomize base and overlays: \`npm run generate -w @carbon/app-${name}\`.\nimport { generateServiceScript } from '@carbon/generate/script';\n\nawait generateServiceScript(${q(name)});\n`,
    [SERVICE_FILE]: serviceSource(o, image, production),
  };
  // Both sides: what each peer must add for the new rules to let traffic through (its default-deny drops it otherwise).
  const file = `${dir}/${SERVICE_FILE}`;
  const draft = { name, namespace: o.namespace, workloads: [{ name, ports: [{ name: 'http', port }] }], network } as unknown as ServiceDefinition;
  const peerEdits = oneSidedNetworkRules([...existing, { definition: draft, file }])
    .filter((r) => r.file === file)
    .map((r) => ({ file: r.peer.file, field: r.peer.field, add: r.peer.add }));
  const tmp = join(root, 'apps', `.${name}.new-${process.pid}`);
  try {
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(tmp, rel)), { recursive: true });
      writeFileSync(join(tmp, rel), text, { flag: 'wx' });
    }
    renameSync(tmp, join(root, dir));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return {
    dir,
    files: Object.keys(files).map((f) => `${dir}/${f}`),
    peerEdits,
    nextSteps: [
      ...peerEdits.map((e) => `edit ${e.file}: add ${e.add} to ${e.field} (without it the peer's default-deny drops the traffic)`),
      ...(owner && team !== owner ? [`note: ${o.namespace}'s alerts go to team ${owner} today; a service of team ${team ?? 'platform'} there sends them all to platform (docs/observability.md)`] : []),
      `edit ${dir}/${SERVICE_FILE}: description, probes (http paths), resources, public/secrets/storage/monitoring/network (docs/adding-a-service.md)`,
      'npm install                      # links the new workspace',
      `npx platform generate --service ${name}`,
      'npx platform validate --working-tree',
      `git add ${dir} && git commit     # staging gets it on merge`,
      `production: npx platform promote --service ${name} --revision <sha on main>   # its first pin (docs/promotion.md)`,
    ],
  };
}

