import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../../..');

/** `platform <argv>` in `root` through the CLI's main, output captured. */
export async function cli(root: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const { main } = await import('../../cli/src/main.ts');
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t), cwd: root, isTTY: false });
  return { code, out, err };
}

const clusterYaml = (name: string, role: string, sourcing: string, nodes: number) => `apiVersion: platform.254carbon.com/v1alpha1
kind: ClusterFacts
metadata:
  name: ${name}
spec:
  role: ${role}
  sourcing: ${sourcing}
  domain: ${name}.example.com
  registry:
    host: harbor.example.com
    projects:
      docker.io: dockerhub
  git:
    url: ssh://git@github.com/example/platform.git
    branch: main
    secretRef: flux-system
  nodes:
${Array.from({ length: nodes }, (_, i) => `    - name: node-${i}
      allocatable: { cpu: "4", memory: 16Gi, pods: 110 }
      storage: 100Gi`).join('\n')}
  namespaces:
    data:
      quota:
        requests: { cpu: "4", memory: 8Gi }
        limits: { cpu: "8", memory: 16Gi }
        pods: 20
        storage: 50Gi
        persistentVolumeClaims: 5
      limitRange:
        defaultRequest: { cpu: 50m, memory: 64Mi }
        default: { cpu: 500m, memory: 512Mi }
        max: { cpu: "2", memory: 4Gi }
`;

/** A service definition as TypeScript source; `patch` edits the workload literal to break it. */
export function serviceSource(name: string, opts: { host?: string; memory?: string; ports?: string; replicas?: string } = {}): string {
  return `import { defineService } from '@carbon/platform';
export const service = defineService({
  name: '${name}',
  namespace: 'data',
  layer: 'apps',
  description: 'fixture service ${name}',
  workloads: [{
    name: 'web',
    kind: 'Deployment',
    image: { upstream: 'docker.io/library/nginx', tag: '1.27.2' },
    ports: ${opts.ports ?? "[{ name: 'http', port: 8080 }]"},
    probes: { liveness: { http: '/', port: 'http' }, readiness: { http: '/', port: 'http' } },
    resources: { default: { requests: { cpu: '100m', memory: '${opts.memory ?? '128Mi'}' }, limits: { cpu: '200m', memory: '256Mi' } } },
    replicas: ${opts.replicas ?? "{ staging: 1, production: 2 }"},
    security: { runAsUser: 101 },
  }],
  public: [{ host: '${opts.host ?? name}', workload: 'web', port: 'http', catalog: { name: '${name}', category: 'Data', description: 'd', icon: 'i.svg' } }],
  monitoring: { none: 'fixture' },
});
`;
}

export interface FixtureRepo {
  root: string;
  write(path: string, text: string): void;
  cleanup(): void;
}

/** A throwaway platform repo: two clusters (staging: 1 node, production: 3 nodes) and the given services. */
export function fixtureRepo(services: Record<string, string>): FixtureRepo {
  const root = mkdtempSync(join(tmpdir(), 'carbon-gen-'));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
  write('package.json', JSON.stringify({ name: 'fixture', private: true, type: 'module', workspaces: ['apps/*'] }));
  write('turbo.json', '{}');
  write('clusters/staging/cluster.yaml', clusterYaml('staging', 'staging', 'branch', 1));
  write('clusters/production/cluster.yaml', clusterYaml('production', 'production', 'pinned', 3));
  for (const [name, src] of Object.entries(services)) write(`apps/${name}/src/service.ts`, src);
  return { root, write, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
