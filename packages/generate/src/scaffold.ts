import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isDnsLabel, loadClusters } from '@carbon/platform';
import { listServiceDirs, SERVICE_FILE } from './load.ts';

/**
 * `platform new <service>`: a new service package under apps/<name>, shaped like the existing
 * ones (package.json, tsconfig.json, scripts/generate.ts, src/service.ts) with a minimal definition
 * that `platform generate` accepts as it is: one Deployment with a pinned image, probes, requests
 * and limits, a non-root security profile, 2 replicas on production clusters, default-deny network.
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
}

export interface Scaffold {
  /** repo-relative, e.g. `apps/redis` */
  dir: string;
  /** repo-relative paths written */
  files: string[];
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

const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function serviceSource(o: Required<ScaffoldOptions>, image: { upstream: string; tag: string }, production: string[]): string {
  const replicas = [`default: 1`, ...production.map((c) => `${/^[a-z_$][\w$]*$/i.test(c) ? c : q(c)}: 2`)].join(', ');
  return `import { defineService } from '@carbon/platform';

// Scaffolded by \`platform new ${o.name}\`. The types in packages/platform/src/service.ts are the
// reference; docs/adding-a-service.md says what to decide (public, secrets, storage, network).
export const service = defineService({
  name: ${q(o.name)},
  namespace: ${q(o.namespace)},
  layer: 'apps',
  description: ${q(o.description)},
  workloads: [
    {
      name: ${q(o.name)},
      kind: 'Deployment',
      image: { upstream: ${q(image.upstream)}, tag: ${q(image.tag)} },
      ports: [{ name: 'http', port: ${o.port} }],
      probes: {
        liveness: { tcp: 'http', initialDelaySeconds: 10 },
        readiness: { tcp: 'http', initialDelaySeconds: 5 },
      },
      resources: {
        default: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      },
      // Production runs at least 2 of a stateless service (or says why not: \`singleton: '<why>'\`).
      replicas: { ${replicas} },
      security: { runAsUser: 65532, runAsGroup: 65532 },
    },
  ],
  monitoring: { none: 'scaffolded: no metrics endpoint declared yet' },
  // Default-deny: add allows, and the peer's matching rule (egress here needs ingress there).
  network: {},
});
`;
}

export function scaffoldService(root: string, options: ScaffoldOptions): Scaffold {
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
  const o: Required<ScaffoldOptions> = { name, namespace: options.namespace, image: options.image, port, description: options.description ?? `${name}: say what it does and who uses it` };
  if (/[\n\r]/.test(o.description)) throw new ScaffoldError('--description must be one line', 'the portal and the diff show it on one line');
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
    nextSteps: [
      `edit ${dir}/${SERVICE_FILE}: description, probes (http paths), resources, public/secrets/storage/monitoring/network (docs/adding-a-service.md)`,
      'npm install                      # links the new workspace',
      `npx platform generate --service ${name}`,
      'npx platform validate --working-tree',
      `git add ${dir} && git commit     # staging gets it on merge`,
      `production: npx platform promote --service ${name} --revision <sha on main>   # its first pin (docs/promotion.md)`,
    ],
  };
}

