import { describe, expect, it } from 'vitest';
import { CrdSourceError, parseCrds, renderHelmCrdTemplate } from '../src/crds.ts';

const templated = `# START crd {{- if or .Values.crds.enabled .Values.installCRDs }}
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: certificates.cert-manager.io
  # START annotations {{- if .Values.crds.keep }}
  annotations:
    helm.sh/resource-policy: keep
  # END annotations {{- end }}
  labels:
    app: '{{ template "cert-manager.name" . }}'
    app.kubernetes.io/instance: '{{ .Release.Name }}'
    # Generated labels {{- include "labels" . | nindent 4 }}
spec:
  group: cert-manager.io
  names: {kind: Certificate, plural: certificates}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema: {openAPIV3Schema: {type: object}}
# END crd {{- end }}
`;

const substitutions = { '{{ template "cert-manager.name" . }}': 'cert-manager', '{{ .Release.Name }}': 'cert-manager' };

describe('renderHelmCrdTemplate', () => {
  it('drops template comments and substitutes the known expressions', () => {
    const rendered = renderHelmCrdTemplate(templated, substitutions);

    expect(rendered).not.toContain('{{');
    const [crd] = parseCrds(rendered);
    expect(crd!.metadata.labels).toEqual({ app: 'cert-manager', 'app.kubernetes.io/instance': 'cert-manager' });
    expect(crd!.spec.group).toBe('cert-manager.io');
  });

  it('fails on an expression it does not know, naming file and line', () => {
    const text = templated.replace(`'{{ .Release.Name }}'`, `'{{ .Chart.Version }}'`);
    expect(() => renderHelmCrdTemplate(text, substitutions, 'deploy/crds/crd-certificates.yaml')).toThrow(
      new CrdSourceError('deploy/crds/crd-certificates.yaml', 12, `unhandled Helm template expression: app.kubernetes.io/instance: '{{ .Chart.Version }}'`),
    );
  });
});

describe('parseCrds', () => {
  it('keeps CustomResourceDefinitions from a multi-document stream and skips other kinds', () => {
    const text = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [a.yaml]
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec: {group: example.com, names: {kind: Widget, plural: widgets}, scope: Namespaced, versions: []}
`;
    expect(parseCrds(text).map((crd) => crd.metadata.name)).toEqual(['widgets.example.com']);
  });

  it('rejects a CRD without spec.group', () => {
    const text = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: broken}
spec: {names: {kind: Broken}, versions: []}
`;
    expect(() => parseCrds(text, 'x.yaml')).toThrow('x.yaml: CustomResourceDefinition broken lacks spec.group');
  });
});
