/**
 * Small Flux repositories in the layouts people already have (issue 10): `flux bootstrap`'s
 * clusters/<name>/ with folders without kustomization.yaml, a kubernetes/flux/cluster root with a
 * ks.yaml per app and postBuild substitutions, a multi-tenant layout whose sources live elsewhere,
 * a SOPS-encrypted Secret, and a CRD the repository installs with a custom resource of it.
 * Each is a function of a version, so a test can commit two versions and diff them.
 */
export type Files = Record<string, string>;

const fluxKs = (name: string, path: string, extra = '', source = 'flux-system', kind = 'GitRepository') => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: flux-system
spec:
  interval: 10m
  timeout: 5m
  path: ${path}
  prune: true
  sourceRef:
    kind: ${kind}
    name: ${source}
${extra}`;

const gitSource = (name: string, url: string) => `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: ${name}
  namespace: flux-system
spec:
  interval: 1m
  url: ${url}
  ref:
    branch: main
`;

/** A namespace that passes the policy checks: default-deny and DNS egress. */
const namespace = (name: string) => `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-all
  namespace: ${name}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
`;

const deployment = (name: string, ns: string, image: string, replicas = 2) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      automountServiceAccountToken: false
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: ${name}
          image: ${image}
          ports: [{ containerPort: 9898, name: http }]
          readinessProbe: { httpGet: { path: /readyz, port: http } }
          livenessProbe: { httpGet: { path: /healthz, port: http } }
          resources: { requests: { cpu: 50m, memory: 64Mi }, limits: { memory: 128Mi } }
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] } }
`;

const configMap = (name: string, ns: string, data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata:\n${Object.entries(data)
    .map(([k, v]) => `  ${k}: "${v}"`)
    .join('\n')}\n`;

/**
 * `flux bootstrap`: clusters/production/flux-system/{gotk-components,gotk-sync,kustomization}.yaml,
 * no kustomization.yaml in clusters/production nor in infrastructure/controllers (Flux generates
 * one: every manifest below, sub-folders with their own kustomization built as such); the Flux
 * Kustomizations use patches, images, components, targetNamespace, namePrefix and commonMetadata.
 */
export function bootstrapLayout(v: 1 | 2): Files {
  return {
    'clusters/production/flux-system/gotk-components.yaml': namespace('flux-system'),
    'clusters/production/flux-system/gotk-sync.yaml': `${gitSource('flux-system', 'ssh://git@github.com/acme/fleet.git')}---\n${fluxKs('flux-system', './clusters/production')}`,
    'clusters/production/flux-system/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [gotk-components.yaml, gotk-sync.yaml]\n',
    'clusters/production/infrastructure.yaml': `${fluxKs('infra-controllers', './infrastructure/controllers', '  commonMetadata:\n    labels:\n      team: platform\n')}---\n${fluxKs('infra-configs', './infrastructure/configs', '  dependsOn:\n    - name: infra-controllers\n  namePrefix: prod-\n')}`,
    'clusters/production/apps.yaml': fluxKs(
      'apps',
      './apps/production',
      `  dependsOn:
    - name: infra-configs
  targetNamespace: podinfo
  components:
    - ../components/tier
  images:
    - name: ghcr.io/stefanprodan/podinfo
      newTag: "${v === 1 ? '6.7.0' : '6.7.1'}"
  patches:
    - target:
        kind: Deployment
        name: podinfo
      patch: |
        - op: replace
          path: /spec/replicas
          value: ${v === 1 ? 2 : 3}
`,
    ),
    // no kustomization.yaml: every manifest below, recursively; cert-manager/ has its own
    'infrastructure/controllers/ingress/namespace.yaml': namespace('ingress'),
    'infrastructure/controllers/ingress/deployment.yaml': deployment('ingress', 'ingress', 'registry.example/ingress:1.0'),
    'infrastructure/controllers/cert-manager/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [ns.yaml]\n',
    'infrastructure/controllers/cert-manager/ns.yaml': namespace('cert-manager'),
    'infrastructure/controllers/cert-manager/README.yaml.txt': 'not a manifest',
    'infrastructure/configs/settings.yaml': configMap('settings', 'ingress', { mode: v === 1 ? 'a' : 'b' }),
    'apps/base/podinfo/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [deployment.yaml]\n',
    'apps/base/podinfo/deployment.yaml': deployment('podinfo', 'default', 'ghcr.io/stefanprodan/podinfo:6.6.0'),
    'apps/production/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [namespace.yaml, ../base/podinfo]\n',
    'apps/production/namespace.yaml': namespace('podinfo'),
    'apps/components/tier/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nlabels:\n  - pairs:\n      tier: frontend\n',
  };
}

/**
 * A kubernetes/flux/cluster root (the sync itself is declared outside the repository): ks.yaml
 * files, cluster-wide variables from a ConfigMap (substituteFrom), a missing optional Secret, and
 * a patch that hands the variables down to every app's Kustomization.
 */
export function clusterRootLayout(v: 1 | 2): Files {
  return {
    'kubernetes/flux/cluster/ks.yaml': `${fluxKs('cluster-vars', './kubernetes/flux/vars')}---\n${fluxKs(
      'cluster-apps',
      './kubernetes/apps',
      `  dependsOn:
    - name: cluster-vars
  postBuild:
    substituteFrom:
      - kind: ConfigMap
        name: cluster-settings
      - kind: Secret
        name: cluster-secrets
        optional: true
  patches:
    - target:
        group: kustomize.toolkit.fluxcd.io
        kind: Kustomization
      patch: |
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata:
          name: not-used
        spec:
          postBuild:
            substituteFrom:
              - kind: ConfigMap
                name: cluster-settings
`,
    )}`,
    'kubernetes/flux/vars/cluster-settings.yaml': configMap('cluster-settings', 'flux-system', { DOMAIN: v === 1 ? 'example.com' : 'example.org', TIMEZONE: 'Etc/UTC' }),
    'kubernetes/apps/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [./default]\n',
    'kubernetes/apps/default/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [./namespace.yaml, ./echo/ks.yaml]\n',
    'kubernetes/apps/default/namespace.yaml': namespace('echo'),
    'kubernetes/apps/default/echo/ks.yaml': fluxKs('echo', './kubernetes/apps/default/echo/app', '  targetNamespace: echo\n  postBuild:\n    substitute:\n      APP: echo\n'),
    'kubernetes/apps/default/echo/app/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [./configmap.yaml]\n',
    'kubernetes/apps/default/echo/app/configmap.yaml': configMap('echo', 'default', { host: '${APP}.${DOMAIN}', tz: '${TIMEZONE}' }),
  };
}

/** Tenants whose manifests live elsewhere: another Git repository, an OCI artifact, a bucket, an ExternalArtifact. */
export function tenantLayout(v: 1 | 2): Files {
  return {
    'clusters/staging/flux-system/gotk-sync.yaml': `${gitSource('flux-system', 'https://github.com/acme/fleet')}---\n${fluxKs('flux-system', './clusters/staging')}`,
    // the same repository under another URL form: rendered from here
    'clusters/staging/common.yaml': `${gitSource('fleet-ssh', 'ssh://git@github.com/acme/fleet.git')}---\n${fluxKs('common', './tenants/common', '', 'fleet-ssh')}`,
    'clusters/staging/team-a.yaml': `${gitSource('team-a', 'https://github.com/acme/team-a')}---\n${fluxKs('team-a', './deploy/staging', '  targetNamespace: team-a\n', 'team-a')}`,
    'clusters/staging/podinfo.yaml': `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: podinfo
  namespace: flux-system
spec:
  interval: 10m
  url: oci://ghcr.io/stefanprodan/manifests/podinfo
  ref:
    tag: "${v === 1 ? '6.7.0' : '6.7.1'}"
---
${fluxKs('podinfo', './', '', 'podinfo', 'OCIRepository')}`,
    'clusters/staging/bucket.yaml': `apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: reports
  namespace: flux-system
spec:
  interval: 10m
  bucketName: reports
  endpoint: minio.example:9000
---
${fluxKs('reports', './manifests', '', 'reports', 'Bucket')}---
apiVersion: source.toolkit.fluxcd.io/v1
kind: ExternalArtifact
metadata:
  name: generated
  namespace: flux-system
spec:
  sourceRef:
    apiVersion: example.io/v1
    kind: Generator
    name: generated
---
${fluxKs('generated', './', '', 'generated', 'ExternalArtifact')}`,
    'tenants/common/namespace.yaml': namespace('team-a'),
  };
}

/** A SOPS-encrypted Secret (values are ciphertext; never decrypted, never printed). */
export const sopsFiles = (v: 1 | 2): Files => ({
  'infrastructure/configs/secret.sops.yaml': `apiVersion: v1
kind: Secret
metadata:
  name: dns-token
  namespace: ingress
type: Opaque
stringData:
  token: ENC[AES256_GCM,data:${v === 1 ? 'c2VjcmV0LW9uZQ' : 'c2VjcmV0LXR3bw'},iv:AAAA,tag:BBBB,type:str]
sops:
  age:
    - recipient: age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq
      enc: |
        -----BEGIN AGE ENCRYPTED FILE-----
        YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOQ
        -----END AGE ENCRYPTED FILE-----
  lastmodified: "2026-01-0${v}T00:00:00Z"
  mac: ENC[AES256_GCM,data:bWFj,iv:AAAA,tag:BBBB,type:str]
  unencrypted_suffix: _unencrypted
  version: 3.9.0
`,
});

/** A CRD the repository installs, and a custom resource of it. */
export const crdFiles = (v: 1 | 2): Files => ({
  'infrastructure/controllers/widgets/crd.yaml': `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.io
spec:
  group: example.io
  names: { kind: Widget, listKind: WidgetList, plural: widgets, singular: widget }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [size]
              properties:
                size: { type: integer, minimum: 1 }
                colour: { type: string, enum: [red, blue] }
`,
  'infrastructure/configs/widget.yaml': `apiVersion: example.io/v1
kind: Widget
metadata:
  name: main
  namespace: ingress
spec:
  size: ${v === 1 ? 2 : 3}
  colour: red
`,
});

/** A chart the tests package and serve over loopback HTTP: a Deployment and a ConfigMap from values. */
export const chartFiles = (version: string): Files => ({
  'Chart.yaml': `apiVersion: v2\nname: web\nversion: ${version}\nappVersion: "${version}"\n`,
  'values.yaml': 'replicas: 1\ngreeting: hello\nimage:\n  repository: registry.example/web\n  tag: "1.0"\n',
  'templates/deployment.yaml': deployment('{{ .Release.Name }}', '{{ .Release.Namespace }}', '{{ .Values.image.repository }}:{{ .Values.image.tag }}')
    .replace('replicas: 2', 'replicas: {{ .Values.replicas }}')
    .replace(/app: \{\{ \.Release\.Name \}\}/g, 'app: "{{ .Release.Name }}"'),
  'templates/configmap.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-greeting\ndata:\n  greeting: {{ .Values.greeting | quote }}\n',
});

/**
 * HelmReleases from an HTTP chart repository (its URL given), values from ConfigMaps in the
 * repository (a values document and a `targetPath` key) and a kustomize post-renderer.
 */
export function helmLayout(v: 1 | 2, url: string): Files {
  return {
    'clusters/prod/flux-system/gotk-sync.yaml': `${gitSource('flux-system', 'ssh://git@github.com/acme/fleet.git')}---\n${fluxKs('flux-system', './clusters/prod')}`,
    'clusters/prod/apps.yaml': fluxKs('apps', './apps'),
    'apps/namespace.yaml': namespace('web'),
    'apps/repository.yaml': `apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: charts\n  namespace: flux-system\nspec:\n  interval: 1h\n  url: ${url}\n`,
    'apps/values.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-values
  namespace: web
data:
  values.yaml: |
    replicas: 2
    image:
      tag: "${v === 1 ? '1.0' : '1.1'}"
  greeting: "${v === 1 ? 'hi' : 'hey'}"
`,
    'apps/release.yaml': `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
  namespace: web
spec:
  interval: 10m
  chart:
    spec:
      chart: web
      version: "${v === 1 ? '1.0.0' : '1.1.0'}"
      sourceRef:
        kind: HelmRepository
        name: charts
        namespace: flux-system
  valuesFrom:
    - kind: ConfigMap
      name: web-values
    - kind: ConfigMap
      name: web-values
      valuesKey: greeting
      targetPath: greeting
    - kind: Secret
      name: web-extra
      optional: true
  values:
    image:
      repository: registry.example/web
  postRenderers:
    - kustomize:
        patches:
          - target:
              kind: Deployment
            patch: |
              - op: add
                path: /metadata/labels
                value:
                  post-rendered: "yes"
`,
  };
}

/** The OCI registry the offline releases name (never dialled: their charts are seeded into the chart cache). */
export const OCI_CHARTS = 'oci://registry.example/charts';

const release = (name: string, chart: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: ${name}
  namespace: web
spec:
  interval: 10m
${chart}  values:
    replicas: 2
`;

/**
 * One HelmRelease per chart source helm-controller knows: an OCI HelmRepository (`type: oci`), a
 * `chartRef` to an OCIRepository, a `chartRef` to a HelmChart (of an HTTP HelmRepository), a chart
 * folder of this GitRepository, and an OCI HelmRepository at `unreachable` (a URL the test chooses)
 * whose chart is not in the cache. The first three charts are `web` `version`, seeded into the
 * chart cache by the test (OCI_CHARTS and https://charts.example).
 */
export function helmSourcesLayout(version: string, unreachable: string): Files {
  return {
    'clusters/prod/flux-system/gotk-sync.yaml': `${gitSource('flux-system', 'ssh://git@github.com/acme/fleet.git')}---\n${fluxKs('flux-system', './clusters/prod')}`,
    'clusters/prod/apps.yaml': fluxKs('apps', './apps'),
    'apps/namespace.yaml': namespace('web'),
    'apps/sources.yaml': `apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: oci-charts
  namespace: flux-system
spec:
  type: oci
  interval: 1h
  url: ${OCI_CHARTS}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: web-chart
  namespace: flux-system
spec:
  interval: 1h
  url: ${OCI_CHARTS}/web
  ref:
    tag: ${version}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: http-charts
  namespace: flux-system
spec:
  interval: 1h
  url: https://charts.example
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmChart
metadata:
  name: web
  namespace: flux-system
spec:
  interval: 1h
  chart: web
  version: ${version}
  sourceRef:
    kind: HelmRepository
    name: http-charts
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: elsewhere
  namespace: flux-system
spec:
  type: oci
  interval: 1h
  url: ${unreachable}
`,
    ...Object.fromEntries(Object.entries(chartFiles(version)).map(([p, text]) => [`charts/web/${p}`, text])),
    'apps/releases.yaml': [
      release('oci-web', `  chart:\n    spec:\n      chart: web\n      version: ${version}\n      sourceRef:\n        kind: HelmRepository\n        name: oci-charts\n        namespace: flux-system\n`),
      release('ref-web', '  chartRef:\n    kind: OCIRepository\n    name: web-chart\n    namespace: flux-system\n'),
      release('chart-web', '  chartRef:\n    kind: HelmChart\n    name: web\n    namespace: flux-system\n'),
      release('git-web', '  chart:\n    spec:\n      chart: ./charts/web\n      sourceRef:\n        kind: GitRepository\n        name: flux-system\n        namespace: flux-system\n'),
      release('far-web', '  chart:\n    spec:\n      chart: app\n      version: 2.0.0\n      sourceRef:\n        kind: HelmRepository\n        name: elsewhere\n        namespace: flux-system\n'),
    ].join('---\n'),
  };
}
