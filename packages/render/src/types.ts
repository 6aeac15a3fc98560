import type { Runner } from '@carbon/toolchain';
import type { RenderCache } from './cache.ts';
import type { ManifestObject, Position } from './yaml.ts';

export type ObjectRef = { kind: string; name: string; namespace: string };

/** Where a rendered object came from: the YAML file (repo-relative), its line/column, and the service definition that generated it. */
export type RenderedObject = {
  object: ManifestObject;
  /** Index of the document in the build output of its Flux Kustomization. */
  documentIndex: number;
  sourceFile?: string;
  line?: number;
  column?: number;
  /** For generated files: the definition named in the header (`apps/<svc>/src/service.ts`). */
  generatedFrom?: string;
  /** Set when the object was rendered from a pinned commit rather than the working tree. */
  commit?: string;
  /** The Flux Kustomization (namespace/name) that applies this object. */
  kustomization: string;
  /** For objects a chart made: the HelmRelease (namespace/name) that templated them; sourceFile/line are the HelmRelease's. */
  helmRelease?: string;
};

export type SourceRef = {
  kind: string;
  name: string;
  namespace: string;
  /** The commit a GitRepository pins (`spec.ref.commit`), when it does. */
  commit?: string;
  /**
   * 'worktree': rendered from the files on disk; 'commit': from `commit` via git; 'external': declared,
   * but an artifact from outside this repository (not rendered, see `reason`); 'unresolved': not declared.
   */
  mode: 'worktree' | 'commit' | 'external' | 'unresolved';
  /** Why an 'external' source is not rendered. */
  reason?: string;
};

export type FluxKustomization = {
  name: string;
  namespace: string;
  /** spec.path normalised, relative to the source root ('' = the root). */
  path: string;
  pathExists: boolean;
  dependsOn: { name: string; namespace: string }[];
  sourceRef: SourceRef;
  /** Where this Flux Kustomization object is declared (undefined for the synthetic cluster root). */
  definedIn?: { file: string; line?: number; column?: number };
  /** The Flux Kustomization object itself (spec.interval, spec.timeout, postBuild, ...). */
  spec: Record<string, unknown>;
  objects: RenderedObject[];
};

export type RenderIssueCode = 'yaml' | 'duplicate-key' | 'not-an-object' | 'kustomize' | 'read' | 'path' | 'source' | 'substitution' | 'unsupported' | 'outside' | 'remote' | 'limit' | 'encoding' | 'helm' | 'helm-template';

/**
 * A problem rendering. `yaml`, `duplicate-key`, `not-an-object`, `kustomize`, `read`, `outside`,
 * `remote`, `limit` and `encoding` mean the input cannot be (or must not be) read (the CLI exits 2); the rest are reported as findings.
 */
export type RenderIssue = {
  code: RenderIssueCode;
  severity: 'error' | 'warning' | 'notice';
  file: string;
  line?: number;
  column?: number;
  message: string;
  hint?: string;
  kustomization?: string;
};

export const INPUT_ERROR_CODES: readonly RenderIssueCode[] = ['yaml', 'duplicate-key', 'not-an-object', 'kustomize', 'read', 'outside', 'remote', 'limit', 'encoding'];

export type RenderedCluster = {
  cluster: string;
  /** Repo-relative folder of the cluster (`clusters/<name>`). */
  clusterDir: string;
  /** Absolute path of the repository rendered. */
  repoRoot: string;
  kustomizations: FluxKustomization[];
  /** YAML files under the cluster folder, or next to a kustomization file a build read, that no build reads (Flux never applies them). */
  unapplied: { file: string; objects: RenderedObject[] }[];
  errors: RenderIssue[];
  /**
   * Repo-relative folders and files the working-tree builds of this render read (kustomization
   * folders, everything a kustomization names), as far as known when the cluster was done: the
   * check memo refuses itself when a git-ignored folder is among them (its content is not keyed).
   */
  inputs?: string[];
};

export type RenderOptions = {
  /** Folder holding `.tools/bin` (the platform repo); defaults to the nearest repo root above cwd, else `dir`. */
  toolsRoot?: string;
  /** Render pinned GitRepository sources from the working tree instead of their commit. */
  workingTree?: boolean;
  /** Only these clusters. */
  clusters?: string[];
  /** Concurrent kustomize builds (default: the cores available, 2 to 8). */
  parallelism?: number;
  /**
   * HelmReleases: chart cache folder (default `<toolsRoot>/.cache/charts`) and whether charts that
   * are not cached may be fetched (`helm pull`, the only network use; default false).
   */
  charts?: { cacheDir?: string; fetch?: boolean };
  runner?: Runner;
  /** Reuse kustomize builds by the content of what they read (see cache.ts); none by default. */
  cache?: RenderCache;
};

export type { ManifestObject, Position };
