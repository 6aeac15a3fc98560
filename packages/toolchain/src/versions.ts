/**
 * Every pin the toolchain uses, in one place. Bumping a pin: edit it here and in ../go/go.mod
 * (for source modules), run `npm run setup`; test/versions.test.ts fails when the two disagree.
 */

export type ToolName = 'kustomize' | 'kubeconform' | 'actionlint' | 'dyff';

export type ToolPin = {
  readonly name: ToolName;
  /** The Go package passed to `go install <package>@<version>` (verified by the checksum DB). */
  readonly package: string;
  readonly version: string;
  /** The tool's own flag(s) that print its version. */
  readonly versionArgs: readonly string[];
  /**
   * Linker flags the project's release build sets so `versionArgs` reports the real version;
   * a plain `go install` would print "development".
   */
  readonly ldflags?: string;
};

export const TOOL_NAMES = ['kustomize', 'kubeconform', 'actionlint', 'dyff'] as const satisfies readonly ToolName[];

export const TOOL_PINS: Readonly<Record<ToolName, ToolPin>> = {
  // v5.7.1 is the kustomize (api v0.20.1) that Flux kustomize-controller v1.7.3 builds with,
  // so local `kustomize build` matches what the cluster does.
  kustomize: { name: 'kustomize', package: 'sigs.k8s.io/kustomize/kustomize/v5', version: 'v5.7.1', versionArgs: ['version'] },
  kubeconform: {
    name: 'kubeconform',
    package: 'github.com/yannh/kubeconform/cmd/kubeconform',
    version: 'v0.8.0',
    versionArgs: ['-v'],
    ldflags: '-X main.version=v0.8.0',
  },
  actionlint: { name: 'actionlint', package: 'github.com/rhysd/actionlint/cmd/actionlint', version: 'v1.7.12', versionArgs: ['-version'] },
  dyff: {
    name: 'dyff',
    package: 'github.com/homeport/dyff/cmd/dyff',
    version: 'v1.12.0',
    versionArgs: ['version'],
    ldflags: '-X github.com/homeport/dyff/internal/cmd.version=1.12.0',
  },
};

export type ModulePin = { readonly module: string; readonly version: string };

/** Core schemas come from `api/openapi-spec/swagger.json` in this module. */
export const KUBERNETES: ModulePin & { readonly swaggerPath: string } = {
  module: 'k8s.io/kubernetes',
  version: 'v1.31.14',
  swaggerPath: 'api/openapi-spec/swagger.json',
};

/** `1.31.14`, the form kubeconform's `-kubernetes-version` takes. */
export const KUBERNETES_VERSION = KUBERNETES.version.replace(/^v/, '');

export type CrdSourceName = 'flux' | 'cert-manager' | 'prometheus-operator' | 'velero' | 'external-secrets';

export type CrdModulePin = ModulePin & {
  /** Folders inside the module that hold CRD YAML (every *.yaml/*.yml there is read). */
  readonly crdDirs: readonly string[];
};

export type CrdSource = {
  readonly name: CrdSourceName;
  readonly modules: readonly CrdModulePin[];
  /** The YAML is a Helm chart template; template lines are rendered or dropped before parsing. */
  readonly helmTemplated: boolean;
};

export const CRD_SOURCE_NAMES = ['flux', 'cert-manager', 'prometheus-operator', 'velero', 'external-secrets'] as const satisfies readonly CrdSourceName[];

/**
 * Flux: the proxy this repo can reach serves only some controller versions. These are the newest
 * Flux v2.7-era releases it serves (notification-controller: v1.6.0 from v2.6, no v1.7.x served).
 */
export const CRD_SOURCES: Readonly<Record<CrdSourceName, CrdSource>> = {
  flux: {
    name: 'flux',
    helmTemplated: false,
    modules: [
      { module: 'github.com/fluxcd/source-controller', version: 'v1.7.3', crdDirs: ['config/crd/bases'] },
      { module: 'github.com/fluxcd/kustomize-controller', version: 'v1.7.3', crdDirs: ['config/crd/bases'] },
      { module: 'github.com/fluxcd/helm-controller', version: 'v1.4.3', crdDirs: ['config/crd/bases'] },
      { module: 'github.com/fluxcd/notification-controller', version: 'v1.6.0', crdDirs: ['config/crd/bases'] },
    ],
  },
  'cert-manager': {
    name: 'cert-manager',
    helmTemplated: true,
    modules: [{ module: 'github.com/cert-manager/cert-manager', version: 'v1.16.5', crdDirs: ['deploy/crds'] }],
  },
  'prometheus-operator': {
    name: 'prometheus-operator',
    helmTemplated: false,
    modules: [{ module: 'github.com/prometheus-operator/prometheus-operator', version: 'v0.78.2', crdDirs: ['example/prometheus-operator-crd'] }],
  },
  velero: {
    name: 'velero',
    helmTemplated: false,
    modules: [{ module: 'github.com/vmware-tanzu/velero', version: 'v1.15.2', crdDirs: ['config/crd/v1/bases', 'config/crd/v2alpha1/bases'] }],
  },
  'external-secrets': {
    name: 'external-secrets',
    helmTemplated: false,
    modules: [{ module: 'github.com/external-secrets/external-secrets', version: 'v0.12.1', crdDirs: ['config/crds/bases'] }],
  },
};

/** Every module the committed go.mod must require, at these versions. */
export function sourceModulePins(): ModulePin[] {
  const crdModules = CRD_SOURCE_NAMES.flatMap((name) => CRD_SOURCES[name].modules.map(({ module, version }) => ({ module, version })));
  return [{ module: KUBERNETES.module, version: KUBERNETES.version }, ...crdModules];
}
