import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * GitHub's published OpenAPI description (npm `@octokit/openapi`, dereferenced), loaded once per
 * process, with a route table for matching concrete request paths and ajv validators compiled
 * lazily per operation: the description is ~70 MB, compiling all of it would take minutes.
 */

export type JsonSchema = Record<string, unknown>;

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}

export interface OpenApiOperation {
  operationId: string;
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  responses: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
}

export interface MatchedOperation {
  method: string;
  template: string;
  operation: OpenApiOperation;
  pathParams: Record<string, string>;
}

export interface SchemaProblem {
  /** JSON pointer into the validated document, `''` for its root. */
  path: string;
  message: string;
}

interface Route {
  template: string;
  regex: RegExp;
  names: string[];
  literalSegments: number;
  methods: Record<string, OpenApiOperation>;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'] as const;

let loaded: { spec: { paths: Record<string, Record<string, unknown>> }; routes: Route[] } | undefined;

function load() {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const file = require.resolve('@octokit/openapi/generated/api.github.com.deref.json');
  const spec = JSON.parse(readFileSync(file, 'utf8')) as { paths: Record<string, Record<string, unknown>> };
  const routes: Route[] = [];
  for (const [template, item] of Object.entries(spec.paths)) {
    const names: string[] = [];
    const segments = template.split('/').slice(1);
    const pattern = segments
      .map((segment, index) => {
        const param = /^\{([^}]+)\}$/.exec(segment);
        if (!param) return escapeRegex(segment);
        names.push(param[1]!);
        // A trailing {path} or {ref} may hold slashes (contents/a/b.yaml, git/ref/heads/x/y).
        return index === segments.length - 1 && (param[1] === 'path' || param[1] === 'ref') ? '(.+)' : '([^/]+)';
      })
      .join('/');
    const methods: Record<string, OpenApiOperation> = {};
    for (const method of METHODS) if (item[method]) methods[method.toUpperCase()] = item[method] as OpenApiOperation;
    routes.push({ template, regex: new RegExp(`^/${pattern}$`), names, literalSegments: segments.length - names.length, methods });
  }
  // Prefer the most literal template: /issues/comments before /issues/{issue_number}.
  routes.sort((a, b) => b.literalSegments - a.literalSegments || a.template.localeCompare(b.template));
  loaded = { spec, routes };
  return loaded;
}

export type RouteMatch = { kind: 'operation'; match: MatchedOperation } | { kind: 'method-not-allowed'; template: string } | { kind: 'unknown-path' };

/** Finds the operation GitHub documents for `method pathname`. */
export function matchOperation(method: string, pathname: string): RouteMatch {
  let pathOnly: string | undefined;
  for (const route of load().routes) {
    const found = route.regex.exec(pathname);
    if (!found) continue;
    const operation = route.methods[method.toUpperCase()];
    if (!operation) {
      pathOnly ??= route.template;
      continue;
    }
    const pathParams: Record<string, string> = {};
    route.names.forEach((name, index) => (pathParams[name] = decodeURIComponent(found[index + 1]!)));
    return { kind: 'operation', match: { method: method.toUpperCase(), template: route.template, operation, pathParams } };
  }
  return pathOnly ? { kind: 'method-not-allowed', template: pathOnly } : { kind: 'unknown-path' };
}

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

function compiler(): Ajv {
  if (!ajv) {
    // strict: false — the description uses OpenAPI keywords (nullable, example, x-github, discriminator)
    // and GitHub-specific formats (repo.nwo) that are not JSON Schema.
    ajv = new Ajv({ strict: false, allErrors: true, logger: false });
    // ajv-formats is CommonJS: Node hands over module.exports, TypeScript types the namespace.
    const module = addFormatsModule as unknown as { default?: (ajv: Ajv) => Ajv } & ((ajv: Ajv) => Ajv);
    (module.default ?? module)(ajv);
  }
  return ajv;
}

/** Validates `value` against `schema`; `cacheKey` names the compiled validator (operation + part). */
export function validateSchema(cacheKey: string, schema: JsonSchema, value: unknown): SchemaProblem[] {
  let validate = validators.get(cacheKey);
  if (!validate) {
    validate = compiler().compile(schema);
    validators.set(cacheKey, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map(describeError);
}

function describeError(error: ErrorObject): SchemaProblem {
  const params = error.params as Record<string, unknown>;
  let message = error.message ?? 'is invalid';
  if (error.keyword === 'additionalProperties') message = `has unknown property "${String(params.additionalProperty)}"`;
  if (error.keyword === 'enum') message = `must be one of ${JSON.stringify(params.allowedValues)}`;
  return { path: error.instancePath, message };
}

export function jsonRequestSchema(operation: OpenApiOperation): JsonSchema | undefined {
  return operation.requestBody?.content?.['application/json']?.schema;
}

export function jsonResponseSchema(operation: OpenApiOperation, status: number): { documented: boolean; schema?: JsonSchema } {
  const response = operation.responses[String(status)];
  if (!response) return { documented: false };
  const schema = response.content?.['application/json']?.schema;
  return schema ? { documented: true, schema } : { documented: true };
}

/** The schema of a documented response, for building fixtures with `sampleFromSchema`. */
export function responseSchemaOf(method: string, template: string, status: number): JsonSchema {
  const operation = load().spec.paths[template]?.[method.toLowerCase()] as OpenApiOperation | undefined;
  const schema = operation && jsonResponseSchema(operation, status).schema;
  if (!schema) throw new Error(`GitHub's description has no JSON ${status} response for ${method} ${template}`);
  return schema;
}

export const FIXED_TIME = '2026-01-01T00:00:00Z';

/**
 * A minimal instance of `schema` with `overlay` laid over it: every required property gets a
 * type-correct placeholder (null where nullable), and overlay values are placed where the
 * schema puts them. The double builds its responses this way so they carry GitHub's full shape;
 * they are still validated afterwards, so a wrong overlay is caught.
 */
export function sampleFromSchema(schema: JsonSchema, overlay?: unknown): unknown {
  const variants = (schema.oneOf ?? schema.anyOf) as JsonSchema[] | undefined;
  if (variants && variants.length > 0) return sampleFromSchema(pickVariant(variants, overlay), overlay);
  if (Array.isArray(schema.allOf)) {
    const merged = (schema.allOf as JsonSchema[]).reduce<JsonSchema>(
      (acc, part) => ({
        ...acc,
        ...part,
        properties: { ...(acc.properties as object), ...(part.properties as object) },
        required: [...((acc.required as string[]) ?? []), ...((part.required as string[]) ?? [])],
      }),
      {},
    );
    return sampleFromSchema(merged, overlay);
  }
  const type = Array.isArray(schema.type) ? (schema.type as string[]).find((t) => t !== 'null') : (schema.type as string | undefined);
  if (type === 'object' || (type === undefined && schema.properties)) {
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    const given = overlay !== null && typeof overlay === 'object' && !Array.isArray(overlay) ? (overlay as Record<string, unknown>) : undefined;
    if (overlay === null && schema.nullable) return null;
    const result: Record<string, unknown> = {};
    const keys = new Set([...((schema.required as string[]) ?? []), ...Object.keys(given ?? {})]);
    for (const key of keys) {
      const propertySchema = properties[key];
      const value = given?.[key];
      if (propertySchema) result[key] = sampleFromSchema(propertySchema, value);
      else if (value !== undefined) result[key] = value;
    }
    return result;
  }
  if (overlay !== undefined) {
    if (type === 'array' && Array.isArray(overlay) && schema.items) return overlay.map((item) => sampleFromSchema(schema.items as JsonSchema, item));
    return overlay;
  }
  if (schema.nullable) return null;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  switch (type) {
    case 'string':
      return placeholderString(schema.format as string | undefined);
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    default:
      return null;
  }
}

function pickVariant(variants: JsonSchema[], overlay: unknown): JsonSchema {
  if (overlay === null) return variants.find((v) => v.nullable || v.type === 'null') ?? variants[0]!;
  const kind = Array.isArray(overlay) ? 'array' : typeof overlay === 'object' ? 'object' : typeof overlay === 'number' ? 'number' : typeof overlay;
  const sameKind = variants.filter((v) => v.type === kind || (kind === 'number' && v.type === 'integer') || (kind === 'object' && v.properties));
  if (kind !== 'object' || sameKind.length <= 1) return sameKind[0] ?? variants[0]!;
  // Among object variants, the one that knows the most of the overlay's keys.
  const keys = Object.keys(overlay as object);
  const score = (v: JsonSchema) => keys.filter((k) => k in ((v.properties ?? {}) as object)).length;
  return [...sameKind].sort((a, b) => score(b) - score(a))[0]!;
}

function placeholderString(format: string | undefined): string {
  switch (format) {
    case 'date-time':
      return FIXED_TIME;
    case 'date':
      return FIXED_TIME.slice(0, 10);
    case 'uri':
    case 'url':
      return 'https://github.com/';
    case 'email':
      return 'octocat@example.com';
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
    default:
      return '';
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
