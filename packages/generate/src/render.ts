import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkDependencies,
  checkServices,
  DefinitionErrors,
  ErrorSink,
  type ClusterFacts,
  type LoadedService,
} from '@carbon/platform';
import {
  backupTargetsOf,
  buildClusterRoot,
  layerTimeoutMinutes,
  buildNamespace,
  buildNotifications,
  buildServiceKustomization,
  dependenciesOf,
  LAYERS,
  objectKey,
  podSecurityFor,
  publicRoutesOf,
  renderService,
  slosOf,
  teamsOf,
  type K8sObject,
} from '@carbon/manifests';
import type { PlatformSources } from './load.ts';
import { toYaml, withHeader, type Header } from './yaml-out.ts';

/** repo-relative path → full file content */
export type FileMap = Map<string, string>;

export interface RenderedPlatform {
  files: FileMap;
  /** cluster → service → objects (what that service's overlay builds to) */
  objects: Map<string, Map<string, K8sObject[]>>;
  dependsOn: Map<string, string[]>;
}

export interface RenderOptions {
  crds?: (source: string) => K8sObject[];
  /** Only write these services' files. */
  only?: string[];
  /** Write the Flux wiring under clusters/ (default: when `only` is not given). */
  clusters?: boolean;
}

export function fileNameFor(o: K8sObject, serviceNamespace: string): string {
  const ns = o.metadata.namespace && o.metadata.namespace !== serviceNamespace ? `${o.metadata.namespace}-` : '';
  const kind = o.kind.toLowerCase();
  if (o.kind === 'CustomResourceDefinition') return `crds/${o.metadata.name}.yaml`;
  return `${kind}-${ns}${o.metadata.name}.yaml`;
}

function kustomization(resources: string[]): Record<string, unknown> {
  return { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources };
}

/**
 * Renders every service for every cluster, then splits each service's objects into a base
 * (objects identical on all clusters) and one overlay per cluster (objects that differ or exist
 * on one cluster only). Overlays hold whole objects, not patches: a reviewer reads what applies.
 */
export function renderPlatform(src: PlatformSources, opts: RenderOptions = {}): RenderedPlatform {
  const defs = src.services.map((s) => s.definition);
  const known = new Set(defs.map((d) => d.name));
  const namespaceOf = (name: string) => defs.find((d) => d.name === name)?.namespace;
  const objects = new Map<string, Map<string, K8sObject[]>>();
  const dependsOn = new Map<string, string[]>();
  // Definitions are checked field by field before any builder runs on them.
  checkServices(src.services, src.clusters);

  for (const c of src.clusters) {
    const routes = publicRoutesOf(defs, c);
    const backups = backupTargetsOf(defs);
    const slos = slosOf(defs, c);
    const teams = teamsOf(defs);
    const perService = new Map<string, K8sObject[]>();
    for (const s of src.services) {
      const sink = new ErrorSink(s.file);
      try {
        perService.set(s.definition.name, renderService(s.definition, { cluster: c, namespaceOf, publicRoutes: routes, backups, slos, teams, ...(opts.crds ? { crds: opts.crds } : {}) }));
      } catch (e) {
        if (e instanceof DefinitionErrors) throw e;
        sink.add('', `cannot render for ${c.name}: ${(e as Error).message}`);
        sink.throwIfAny();
      }
      const deps = dependenciesOf(s.definition, perService.get(s.definition.name)!, known);
      dependsOn.set(s.definition.name, [...new Set([...(dependsOn.get(s.definition.name) ?? []), ...deps])].sort());
    }
    objects.set(c.name, perService);
  }
  checkDependencies(src.services, dependsOn);
  checkDuplicates(src, objects);

  const files: FileMap = new Map();
  const selected = src.services.filter((s) => !opts.only || opts.only.includes(s.definition.name));
  for (const s of selected) writeServiceTree(s, src.clusters, objects, files);
  if (opts.clusters ?? !opts.only) for (const c of src.clusters) writeClusterTree(src, c, dependsOn, files);
  return { files, objects, dependsOn };
}

function checkDuplicates(src: PlatformSources, objects: Map<string, Map<string, K8sObject[]>>): void {
  for (const [cluster, perService] of objects) {
    const seen = new Map<string, string>();
    for (const [service, objs] of perService) {
      const s = src.services.find((x) => x.definition.name === service)!;
      const sink = new ErrorSink(s.file);
      for (const o of objs) {
        const key = objectKey(o);
        const prior = seen.get(key);
        if (prior) sink.add('', `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name} on ${cluster} is also produced by service "${prior}"`, 'rename one of them');
        seen.set(key, service);
      }
      sink.throwIfAny();
    }
  }
}

function writeServiceTree(s: LoadedService, clusters: ClusterFacts[], objects: Map<string, Map<string, K8sObject[]>>, files: FileMap): void {
  const name = s.definition.name;
  const header: Header = { source: s.file, command: `npx platform generate --service ${name}` };
  const deploy = `apps/${s.dir}/deploy`;
  const perCluster = clusters.map((c) => {
    const list = objects.get(c.name)!.get(name)!;
    return new Map(list.map((o) => [`${fileNameFor(o, s.definition.namespace)}`, toYaml(o)]));
  });
  const common = new Map<string, string>();
  for (const [file, text] of perCluster[0] ?? new Map<string, string>()) {
    if (perCluster.every((m) => m.get(file) === text)) common.set(file, text);
  }
  const put = (path: string, body: string) => files.set(path, withHeader(header, body));
  for (const [file, text] of common) put(`${deploy}/base/${file}`, text);
  put(`${deploy}/base/kustomization.yaml`, toYaml(kustomization([...common.keys()].sort())));
  clusters.forEach((c, i) => {
    const own = [...perCluster[i]!].filter(([file]) => !common.has(file));
    for (const [file, text] of own) put(`${deploy}/overlays/${c.name}/${file}`, text);
    put(`${deploy}/overlays/${c.name}/kustomization.yaml`, toYaml(kustomization(['../../base', ...own.map(([f]) => f).sort()])));
  });
}

function writeClusterTree(src: PlatformSources, c: ClusterFacts, dependsOn: Map<string, string[]>, files: FileMap): void {
  const dir = `clusters/${c.name}`;
  const header: Header = { source: `${c.file} and apps/*/${'src/service.ts'}`, command: 'npx platform generate' };
  const put = (path: string, docs: unknown[]) => files.set(`${dir}/${path}`, withHeader(header, docs.map((d) => toYaml(d)).join('---\n')));
  const defs = src.services.map((s) => s.definition);
  const pins = src.pins.get(c.name) ?? new Map();

  // On a pinned cluster a service with no promoted commit yet is not deployed: it arrives by promotion.
  const layerDir = { controllers: 'infrastructure/controllers', configs: 'infrastructure/configs', apps: 'apps' } as const;
  const inLayer = new Map(LAYERS.map((layer) => [layer, defs.filter((d) => d.layer === layer && (c.sourcing !== 'pinned' || pins.get(d.name)?.commit))]));
  const timeoutOf = (layer: (typeof LAYERS)[number]) => layerTimeoutMinutes(inLayer.get(layer)!.map((d) => d.name), dependsOn);
  const root = buildClusterRoot(c, { 'infra-controllers': timeoutOf('controllers'), 'infra-configs': timeoutOf('configs'), apps: timeoutOf('apps') });
  const fluxSystem = ['gotk-sync.yaml'];
  // flux bootstrap commits gotk-components.yaml (the Flux controllers); keep it in the build when present.
  if (existsSync(join(src.root, dir, 'flux-system', 'gotk-components.yaml'))) fluxSystem.unshift('gotk-components.yaml');
  put('flux-system/gotk-sync.yaml', root.sync);
  put('flux-system/kustomization.yaml', [kustomization(fluxSystem)]);
  put('infrastructure.yaml', root.infrastructure);
  put('apps.yaml', root.apps);

  const nsFiles: string[] = [];
  for (const ns of c.namespaces) {
    put(`infrastructure/namespaces/${ns.name}.yaml`, buildNamespace(ns, podSecurityFor(ns.name, defs)));
    nsFiles.push(`${ns.name}.yaml`);
  }
  put('infrastructure/namespaces/kustomization.yaml', [kustomization(nsFiles)]);

  const deployed: string[] = [];
  for (const layer of LAYERS) {
    const entries: string[] = [];
    for (const s of inLayer.get(layer)!) {
      const pin = pins.get(s.name)?.commit;
      put(`${layerDir[layer]}/${s.name}.yaml`, buildServiceKustomization(c, { name: s.name, layer, dependsOn: dependsOn.get(s.name) ?? [], ...(pin ? { pin } : {}) }));
      entries.push(`${s.name}.yaml`);
      deployed.push(s.name);
    }
    put(`${layerDir[layer]}/kustomization.yaml`, [kustomization(entries)]);
  }

  const top = ['flux-system', 'infrastructure.yaml', 'apps.yaml'];
  if (c.role === 'staging') {
    const repo = githubAddress(c.git.url);
    put('notifications/alerts.yaml', buildNotifications(c, deployed, repo));
    put('notifications/kustomization.yaml', [kustomization(['alerts.yaml'])]);
    put('notifications.yaml', [
      {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: 'notifications', namespace: 'flux-system' },
        spec: {
          interval: '10m',
          retryInterval: '2m',
          timeout: '5m',
          path: `./${dir}/notifications`,
          prune: true,
          wait: true,
          sourceRef: { kind: 'GitRepository', name: 'flux-system' },
          dependsOn: [{ name: 'infra-configs' }],
        },
      },
    ]);
    top.push('notifications.yaml');
  }
  put('kustomization.yaml', [kustomization(top)]);
}

/** ssh://git@github.com/org/repo(.git) → https://github.com/org/repo (the githubdispatch Provider address). */
export function githubAddress(url: string): string {
  const m = /github\.com[/:]([^/]+)\/([^/.]+)(\.git)?$/.exec(url);
  return m ? `https://github.com/${m[1]}/${m[2]}` : url;
}
