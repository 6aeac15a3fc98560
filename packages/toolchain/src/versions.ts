/**
 * Every pin the toolchain uses, in one place. Bumping a pin: edit it here and in ../go/go.mod
 * (for source modules), run `npm run setup`; test/versions.test.ts fails when the two disagree.
 */

export type ToolName = 'kustomize' | 'kubeconform' | 'actionlint' | 'dyff' | 'promtool' | 'helm';

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

export const TOOL_NAMES = ['kustomize', 'kubeconform', 'actionlint', 'dyff', 'promtool', 'helm'] as const satisfies readonly ToolName[];

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
  // Prometheus 3.x tags are served as module versions v0.3XX.Y (v3.16.0 → v0.316.0). promtool checks
  // and unit-tests the generated PrometheusRules; a plain `go install` embeds no release version,
  // so the version is read from the module build info.
  promtool: {
    name: 'promtool',
    package: 'github.com/prometheus/prometheus/cmd/promtool',
    version: 'v0.316.0',
    versionArgs: ['--version'],
  },
  // Renders HelmReleases as helm-controller does (`helm template`); charts are fetched by `helm pull`
  // into a cache in an explicit step (docs/validate.md).
  helm: { name: 'helm', package: 'helm.sh/helm/v4/cmd/helm', version: 'v4.3.2', versionArgs: ['version', '--short'], ldflags: '-X helm.sh/helm/v4/internal/version.version=v4.3.2' },
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
 * Flux: the CRDs of the controllers the e2e builds and runs (E2E_FAMILIES.flux), so what
 * `platform validate` accepts is what those controllers' API server accepts. notification-controller
 * runs v1.9.3, whose module the Go proxy here has refused at times; its CRDs are byte-identical to
 * v1.9.2's (config/crd/bases compared file by file), which the proxy serves, so schema production
 * never needs PLATFORM_GOPROXY. helm-controller is not built (the repo renders no HelmRelease);
 * v1.4.3 is the newest the proxy serves.
 */
/** See the note above: the CRDs of the notification-controller the e2e runs, from a release the proxy serves. */
export const NOTIFICATION_CRD_VERSION = 'v1.9.2';

export const CRD_SOURCES: Readonly<Record<CrdSourceName, CrdSource>> = {
  flux: {
    name: 'flux',
    helmTemplated: false,
    modules: [
      { module: 'github.com/fluxcd/source-controller', version: 'v1.9.6', crdDirs: ['config/crd/bases'] },
      { module: 'github.com/fluxcd/kustomize-controller', version: 'v1.9.6', crdDirs: ['config/crd/bases'] },
      { module: 'github.com/fluxcd/helm-controller', version: 'v1.4.3', crdDirs: ['config/crd/bases'] },
      { module: 'github.com/fluxcd/notification-controller', version: NOTIFICATION_CRD_VERSION, crdDirs: ['config/crd/bases'] },
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

/**
 * The real components the e2e runs (a control plane, KWOK, the Flux controllers), built from
 * source into `.tools/bin` by `npm run setup -- --e2e` (src/e2e.ts). Each family is one wrapper
 * Go module, `../e2e/<family>/go.mod` + go.sum, built with one `go build` so packages the
 * binaries share compile once. Bumping a pin: edit it here and in that go.mod (`go mod tidy -e`
 * there records go.sum); test/versions.test.ts fails when the two disagree.
 */
export type E2eFamilyName = 'etcd' | 'kwok' | 'flux' | 'kubernetes';

export type E2eBinaryName =
  | 'etcd'
  | 'kwok'
  | 'source-controller'
  | 'kustomize-controller'
  | 'notification-controller'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler';

export type E2eBinaryPin = {
  readonly name: E2eBinaryName;
  /** The main package `go build` compiles; must also be a `tool` line of the family's go.mod. */
  readonly package: string;
  /** The module that provides `package`, at the family's pinned version (checked in the binary's build info). */
  readonly module: string;
};

export type E2eFamily = {
  readonly name: E2eFamilyName;
  /** What the family's binaries report; also the cache key recorded in .tools/bin/e2e-versions.json. */
  readonly version: string;
  /** Direct requirements of the wrapper go.mod, each at exactly this version (with a go.sum hash). */
  readonly modules: readonly ModulePin[];
  /** Modules the wrapper go.mod replaces, every version, with this one (`replace m => m v`). */
  readonly replaces?: readonly ModulePin[];
  readonly binaries: readonly E2eBinaryPin[];
  /** Extra linker flags (after `-s -w`), e.g. the version a release build stamps in. */
  readonly ldflags?: string;
};

/** Build order: the small families first, so they are usable while Kubernetes still compiles. */
export const E2E_FAMILY_NAMES = ['etcd', 'kwok', 'flux', 'kubernetes'] as const satisfies readonly E2eFamilyName[];

const ETCD_VERSION = 'v3.6.16';
const KUBERNETES_E2E_VERSION = 'v1.37.2';
/** Every k8s.io staging module k8s.io/kubernetes v1.37.2 replaces locally, at its published twin. */
const KUBERNETES_STAGING_MODULES = [
  'api', 'apiextensions-apiserver', 'apimachinery', 'apiserver', 'cli-runtime', 'client-go', 'cloud-provider',
  'cluster-bootstrap', 'code-generator', 'component-base', 'component-helpers', 'controller-manager', 'cri-api',
  'cri-client', 'cri-streaming', 'csi-translation-lib', 'dynamic-resource-allocation', 'endpointslice', 'externaljwt',
  'kms', 'kube-aggregator', 'kube-controller-manager', 'kube-proxy', 'kube-scheduler', 'kubectl', 'kubelet', 'metrics',
  'mount-utils', 'pod-security-admission', 'sample-apiserver', 'streaming',
] as const;

/** `-X` flags that make `--version` and /version report the real release instead of v0.0.0-master. */
function kubernetesVersionLdflags(version: string): string {
  const [major, minor] = version.replace(/^v/, '').split('.');
  const vars = { gitVersion: version, gitMajor: major!, gitMinor: minor!, gitTreeState: 'clean' };
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']
    .flatMap((pkg) => Object.entries(vars).map(([key, value]) => `-X ${pkg}.${key}=${value}`))
    .join(' ');
}

export const E2E_FAMILIES: Readonly<Record<E2eFamilyName, E2eFamily>> = {
  // Debian's etcd 3.4 lacks the watch progress requests client-go 0.36+ sends; 3.6 has them.
  etcd: {
    name: 'etcd',
    version: ETCD_VERSION,
    modules: ['server', 'api', 'client/pkg', 'client', 'pkg'].map((m) => ({ module: `go.etcd.io/etcd/${m === 'client' ? 'client/v3' : `${m}/v3`}`, version: ETCD_VERSION })),
    binaries: [{ name: 'etcd', package: 'go.etcd.io/etcd/server/v3', module: 'go.etcd.io/etcd/server/v3' }],
  },
  kwok: {
    name: 'kwok',
    version: 'v0.8.0',
    modules: [{ module: 'sigs.k8s.io/kwok', version: 'v0.8.0' }],
    binaries: [{ name: 'kwok', package: 'sigs.k8s.io/kwok/cmd/kwok', module: 'sigs.k8s.io/kwok' }],
  },
  // v1.10.x needs Go 1.27; v1.9.x builds with Go 1.26. notification-controller is sometimes
  // refused by the Go module proxy: PLATFORM_GOPROXY (src/gomod.ts) names one that serves it.
  flux: {
    name: 'flux',
    version: 'v1.9.6',
    modules: [
      { module: 'github.com/fluxcd/source-controller', version: 'v1.9.6' },
      { module: 'github.com/fluxcd/kustomize-controller', version: 'v1.9.6' },
      { module: 'github.com/fluxcd/notification-controller', version: 'v1.9.3' },
    ],
    binaries: [
      { name: 'source-controller', package: 'github.com/fluxcd/source-controller', module: 'github.com/fluxcd/source-controller' },
      { name: 'kustomize-controller', package: 'github.com/fluxcd/kustomize-controller', module: 'github.com/fluxcd/kustomize-controller' },
      { name: 'notification-controller', package: 'github.com/fluxcd/notification-controller', module: 'github.com/fluxcd/notification-controller' },
    ],
  },
  kubernetes: {
    name: 'kubernetes',
    version: KUBERNETES_E2E_VERSION,
    modules: [{ module: 'k8s.io/kubernetes', version: KUBERNETES_E2E_VERSION }],
    // Every version (k8s.io/kubernetes asks for v0.0.0, other modules for older ones) becomes the twin.
    replaces: KUBERNETES_STAGING_MODULES.map((m) => ({ module: `k8s.io/${m}`, version: KUBERNETES_E2E_VERSION.replace(/^v1\./, 'v0.') })),
    binaries: (['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const).map((name) => ({
      name,
      package: `k8s.io/kubernetes/cmd/${name}`,
      module: 'k8s.io/kubernetes',
    })),
    ldflags: kubernetesVersionLdflags(KUBERNETES_E2E_VERSION),
  },
};

/** The version each e2e binary's module must carry (notification-controller differs from its family's). */
export function e2eBinaryModuleVersion(family: E2eFamily, binary: E2eBinaryPin): string {
  return family.modules.find((pin) => pin.module === binary.module)?.version ?? family.version;
}
