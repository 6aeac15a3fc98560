import { describe, expect, it } from 'vitest';
import type { Crd } from '../src/crds.ts';
import { coreSchemaFileName, crdToSchemas, swaggerToSchemas, type JsonSchema, type Swagger } from '../src/openapi.ts';

const swagger: Swagger = {
  definitions: {
    'io.k8s.api.apps.v1.Deployment': {
      type: 'object',
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
        spec: { $ref: '#/definitions/io.k8s.api.apps.v1.DeploymentSpec' },
      },
      'x-kubernetes-group-version-kind': [{ group: 'apps', kind: 'Deployment', version: 'v1' }],
    },
    'io.k8s.api.apps.v1.DeploymentSpec': {
      type: 'object',
      required: ['selector'],
      properties: {
        replicas: { type: 'integer', format: 'int32' },
        maxSurge: { $ref: '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString' },
        cpu: { $ref: '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity' },
        selector: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
    'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': { type: 'object', properties: { name: { type: 'string' } } },
    'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { type: 'string', format: 'int-or-string' },
    'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string' },
    'io.k8s.api.core.v1.Service': {
      type: 'object',
      properties: { kind: { type: 'string' } },
      'x-kubernetes-group-version-kind': [{ group: '', kind: 'Service', version: 'v1' }],
    },
    'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler': {
      type: 'object',
      properties: {},
      'x-kubernetes-group-version-kind': [{ group: 'autoscaling', kind: 'HorizontalPodAutoscaler', version: 'v2' }],
    },
    'io.k8s.apiextensions.v1.JSONSchemaProps': {
      type: 'object',
      properties: { type: { type: 'string' }, items: { $ref: '#/definitions/io.k8s.apiextensions.v1.JSONSchemaProps' } },
      'x-kubernetes-group-version-kind': [{ group: 'apiextensions.k8s.io', kind: 'Props', version: 'v1' }],
    },
  },
};

const byFile = (files: { fileName: string; schema: JsonSchema }[]) => new Map(files.map((f) => [f.fileName, f.schema]));
const props = (schema: unknown) => (schema as { properties: Record<string, JsonSchema> }).properties;

describe('swaggerToSchemas', () => {
  const files = byFile(swaggerToSchemas(swagger));

  it('names files the way kubeconform looks them up', () => {
    expect([...files.keys()].sort()).toEqual(['deployment-apps-v1.json', 'horizontalpodautoscaler-autoscaling-v2.json', 'props-apiextensions-v1.json', 'service-v1.json']);
    expect(coreSchemaFileName({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole' })).toBe('clusterrole-rbac-v1.json');
  });

  it('inlines every $ref and closes objects that declare properties', () => {
    const deployment = files.get('deployment-apps-v1.json')!;
    const text = JSON.stringify(deployment);
    expect(text).not.toContain('$ref');
    expect(deployment.additionalProperties).toBe(false);
    const spec = props(deployment).spec!;
    expect(spec.type).toEqual(['object', 'null']);
    expect(spec.additionalProperties).toBe(false);
    expect(spec.required).toEqual(['selector']);
    expect(props(props(deployment).metadata).name).toEqual({ type: ['string', 'null'] });
    // A map (additionalProperties schema, no properties) stays a map.
    expect(props(spec).selector!.additionalProperties).toEqual({ type: 'string' });
  });

  it('turns int-or-string and Quantity into unions', () => {
    const spec = props(files.get('deployment-apps-v1.json')!).spec!;
    expect(props(spec).maxSurge!.oneOf).toEqual([{ type: 'string' }, { type: 'integer' }, { type: 'null' }]);
    expect(props(spec).cpu!.oneOf).toEqual([{ type: 'string' }, { type: 'number' }, { type: 'null' }]);
  });

  it('pins apiVersion and kind to the file GVK', () => {
    expect(props(files.get('deployment-apps-v1.json')!).apiVersion!.enum).toEqual(['apps/v1']);
    expect(props(files.get('service-v1.json')!).kind!.enum).toEqual(['Service']);
  });

  it('cuts recursive refs with a permissive schema one level down', () => {
    const schema = files.get('props-apiextensions-v1.json')!;
    expect(props(schema).items).toEqual({});
  });
});

const crd = (versions: Crd['spec']['versions']): Crd => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced', versions },
});

const widgetSchema = (extra: Record<string, JsonSchema> = {}): JsonSchema => ({
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      properties: {
        port: { 'x-kubernetes-int-or-string': true },
        values: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'string' } } },
        note: { type: 'string', nullable: true },
        ...extra,
      },
    },
  },
});

describe('crdToSchemas', () => {
  it('writes one strict schema per served version', () => {
    const files = crdToSchemas(
      crd([
        { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: widgetSchema() } },
        { name: 'v1beta1', served: true, storage: false, schema: { openAPIV3Schema: widgetSchema() } },
        { name: 'v1alpha1', served: false, storage: false, schema: { openAPIV3Schema: widgetSchema() } },
      ]),
    );

    expect(files.map((f) => f.fileName)).toEqual(['example.com/widget_v1.json', 'example.com/widget_v1beta1.json']);
    const [v1] = files;
    expect(v1!.apiVersion).toBe('example.com/v1');
    const spec = props(v1!.schema).spec!;
    expect(v1!.schema.additionalProperties).toBe(false);
    expect(spec.additionalProperties).toBe(false);
    expect(props(spec).port!.oneOf).toEqual([{ type: 'string' }, { type: 'integer' }]);
    expect(props(spec).values!.additionalProperties).toBeUndefined();
    expect(props(spec).note!.type).toEqual(['string', 'null']);
    expect(props(v1!.schema).kind!.enum).toEqual(['Widget']);
  });

  it('accepts apiVersion/kind/metadata even when the CRD schema omits them', () => {
    const [file] = crdToSchemas(crd([{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object' } } } } }]));
    expect(Object.keys(props(file!.schema)).sort()).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(props(file!.schema).metadata).toEqual({ type: 'object' });
  });

  it('fails on a served version without a schema, naming it', () => {
    expect(() => crdToSchemas(crd([{ name: 'v2', served: true, storage: true }]))).toThrow('widgets.example.com v2: served version has no schema.openAPIV3Schema');
  });
});
