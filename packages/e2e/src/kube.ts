import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import type { Pki } from './certs.ts';

export type KubeObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: any }; [k: string]: any };

export class KubeError extends Error {
  override readonly name = 'KubeError';
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

type Resource = { plural: string; namespaced: boolean };

/** A small client for the e2e's own API server (client certificate of the admin identity). */
export class Kube {
  private readonly agent: Agent;
  private readonly discovery = new Map<string, Map<string, Resource>>();

  constructor(
    readonly server: string,
    pki: Pki,
  ) {
    this.agent = new Agent({ ca: readFileSync(pki.caCert), cert: readFileSync(pki.adminCert), key: readFileSync(pki.adminKey), keepAlive: true, maxSockets: 8 });
  }

  close(): void {
    this.agent.destroy();
  }

  request(method: string, path: string, body?: unknown, contentType = 'application/json', timeoutMs = 30_000): Promise<{ status: number; body: any }> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(`${this.server}${path}`, { method, agent: this.agent, headers: { accept: 'application/json', ...(payload !== undefined ? { 'content-type': contentType } : {}) }, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: any = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            /* not JSON (healthz) */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  private async ok(method: string, path: string, body?: unknown, contentType?: string): Promise<any> {
    const r = await this.request(method, path, body, contentType);
    if (r.status >= 300) throw new KubeError(r.status, r.body?.reason ?? '', `${method} ${path}: ${r.status} ${r.body?.message ?? String(r.body).slice(0, 300)}`);
    return r.body;
  }

  private async resource(apiVersion: string, kind: string): Promise<Resource> {
    let kinds = this.discovery.get(apiVersion);
    if (!kinds?.has(kind)) {
      const body = await this.ok('GET', apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
      kinds = new Map();
      for (const r of body.resources as { name: string; kind: string; namespaced: boolean }[]) if (!r.name.includes('/')) kinds.set(r.kind, { plural: r.name, namespaced: r.namespaced });
      this.discovery.set(apiVersion, kinds);
    }
    const r = kinds.get(kind);
    if (!r) throw new KubeError(404, 'NotFound', `the API server serves no ${kind} in ${apiVersion}`);
    return r;
  }

  /** Forgets discovery (after CRDs are installed). */
  rediscover(): void {
    this.discovery.clear();
  }

  async path(apiVersion: string, kind: string, namespace?: string, name?: string): Promise<string> {
    const r = await this.resource(apiVersion, kind);
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    return `${base}${r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${r.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  /** Server-side apply under `manager` (forcing conflicts, like Flux does). */
  async apply(o: KubeObject, manager = 'carbon-e2e'): Promise<KubeObject> {
    const p = await this.path(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
    return this.ok('PATCH', `${p}?fieldManager=${manager}&force=true`, o, 'application/apply-patch+yaml');
  }

  async get(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubeObject | undefined> {
    const r = await this.request('GET', await this.path(apiVersion, kind, namespace, name));
    if (r.status === 404) return undefined;
    if (r.status >= 300) throw new KubeError(r.status, r.body?.reason ?? '', `GET ${kind} ${namespace ?? ''}/${name}: ${r.body?.message}`);
    return r.body;
  }

  async list(apiVersion: string, kind: string, namespace?: string): Promise<KubeObject[]> {
    return ((await this.ok('GET', await this.path(apiVersion, kind, namespace))).items ?? []) as KubeObject[];
  }

  async create(o: KubeObject): Promise<KubeObject> {
    return this.ok('POST', await this.path(o.apiVersion, o.kind, o.metadata.namespace), o);
  }

  async replaceStatus(o: KubeObject): Promise<KubeObject> {
    return this.ok('PUT', `${await this.path(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name)}/status`, o);
  }

  async healthy(path = '/readyz'): Promise<boolean> {
    const r = await this.request('GET', path, undefined, undefined, 3000);
    return r.status === 200;
  }
}
