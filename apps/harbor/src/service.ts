import { defineService, type ExtraObjectsContext, type Resources, type Workload } from '@carbon/platform';

/**
 * Harbor v2.11: the platform registry and the proxy cache (dockerhub, quay, k8s, ghcr projects)
 * every cluster pulls through.
 *
 * Layout: portal (nginx, also routes /api, /service, /v2, /c to core: the single public entry),
 * core, jobservice, registry and registryctl are stateless Deployments (registry blobs live in the
 * MinIO bucket `harbor`); database (harbor-db) and redis are singleton StatefulSets; trivy scans.
 *
 * BOOTSTRAP (chicken-and-egg): these images are themselves rewritten to
 * harbor.254carbon.com/dockerhub/goharbor/*, i.e. pulled through the Harbor they start. On a fresh
 * cluster nothing can pull them. Either pre-pull every goharbor/* image below (and MinIO's, whose
 * bucket holds the blobs) onto the nodes before the first Flux sync, or configure containerd's
 * registry mirror with a fallback (hosts.toml for harbor.254carbon.com whose last `server` is the
 * upstream registry) so pulls fall through to docker.io while Harbor is down. The same applies
 * whenever Harbor is being rolled or rescheduled: keep the fallback in place.
 *
 * Uploads through ingress-nginx need `proxy-body-size: 0` (and request buffering off) for /v2/;
 * the PublicEndpoint model has no per-ingress annotations, so it must be set in the controller's
 * global config (ingress-nginx service) until it does.
 */
const tag = 'v2.11.1';
const img = (name: string) => ({ upstream: `docker.io/goharbor/${name}`, tag });
const svcUrl = (name: string, port: number) => `http://harbor-${name}.harbor.svc:${port}`;

const res = (single: Resources, multi: Resources) => ({ 'single-node': single, 'multi-node': multi });
const r = (cpu: string, mem: string, lcpu: string, lmem: string): Resources => ({ requests: { cpu, memory: mem }, limits: { cpu: lcpu, memory: lmem } });

// goharbor photon images run as uid/gid 10000; harbor-db and redis-photon as 999.
const harborUser = { runAsUser: 10000, runAsGroup: 10000, fsGroup: 10000 };
const installsCerts = {
  ...harborUser,
  readOnlyRootFilesystem: false,
  writableRootReason: "goharbor entrypoints run install_cert.sh, which rewrites the system CA bundle under /etc/pki",
};

const coreSecret = { secret: 'harbor-core', key: 'CORE_SECRET' };
const jobserviceSecret = { secret: 'harbor-core', key: 'JOBSERVICE_SECRET' };
const registryPassword = { secret: 'harbor-core', key: 'REGISTRY_CREDENTIAL_PASSWORD' };
const s3 = {
  REGISTRY_STORAGE_S3_ACCESSKEY: { secret: 'harbor-registry', key: 'S3_ACCESS_KEY' },
  REGISTRY_STORAGE_S3_SECRETKEY: { secret: 'harbor-registry', key: 'S3_SECRET_KEY' },
  REGISTRY_HTTP_SECRET: { secret: 'harbor-registry', key: 'HTTP_SECRET' },
};

// Per-cluster settings core reads from its environment; sourced by the start command because
// Workload.env is the same on every cluster.
const coreFiles = (ctx: ExtraObjectsContext): Record<string, string> => ({
  'app.conf': 'appname = Harbor\nrunmode = prod\nenablegzip = true\n\n[prod]\nhttpport = 8080\n',
  'core.env': [`EXT_ENDPOINT=https://harbor.${ctx.cluster.domain}`, `TOKEN_SERVICE_URL=${svcUrl('core', 8080)}/service/token`, ''].join('\n'),
});

const registryConfig = `version: 0.1
log:
  level: info
  fields:
    service: registry
storage:
  s3:
    region: us-east-1
    regionendpoint: http://minio.data-platform.svc:9000
    bucket: harbor
    rootdirectory: /registry
    secure: false
    v4auth: true
  cache:
    layerinfo: redis
  maintenance:
    uploadpurging:
      enabled: true
      age: 168h
      interval: 24h
      dryrun: false
  delete:
    enabled: true
  redirect:
    disable: true
redis:
  addr: harbor-redis.harbor.svc:6379
  db: 2
  dialtimeout: 10s
  readtimeout: 10s
  writetimeout: 10s
http:
  addr: :5000
  relativeurls: false
  debug:
    addr: :8001
    prometheus:
      enabled: true
      path: /metrics
auth:
  htpasswd:
    realm: harbor-registry-basic-realm
    path: /etc/registry/passwd
validation:
  disabled: true
compatibility:
  schema1:
    enabled: true
`;

const portalNginx = `worker_processes auto;
pid /tmp/nginx.pid;
events { worker_connections 1024; }
http {
  client_body_temp_path /tmp/client_body_temp;
  proxy_temp_path /tmp/proxy_temp;
  fastcgi_temp_path /tmp/fastcgi_temp;
  uwsgi_temp_path /tmp/uwsgi_temp;
  scgi_temp_path /tmp/scgi_temp;
  include /etc/nginx/mime.types;
  server_tokens off;
  server {
    listen 8080;
    server_name _;
    root /usr/share/nginx/html;
    index index.html;
    gzip on;
    # API, token service, registry v2 and proxied content go to core (Harbor's own nginx does the same).
    location ~ ^/(api|service|v2|c|chartrepo)/ {
      proxy_pass ${svcUrl('core', 8080)};
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-Proto https;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_buffering off;
      proxy_request_buffering off;
      client_max_body_size 0;
      proxy_read_timeout 900s;
      proxy_send_timeout 900s;
    }
    location / { try_files $uri $uri/ /index.html; }
    location = /index.html { add_header Cache-Control "no-store, no-cache, must-revalidate"; }
  }
}
`;

const jobserviceConfig = `protocol: "http"
port: 8080
worker_pool:
  workers: 10
  backend: "redis"
  redis_pool:
    redis_url: "redis://harbor-redis.harbor.svc:6379/1"
    namespace: "harbor_job_service_namespace"
    idle_timeout_second: 3600
job_loggers:
  - name: "STD_OUTPUT"
    level: "INFO"
metric:
  enabled: true
  path: /metrics
  port: 8001
loggers:
  - name: "STD_OUTPUT"
    level: "INFO"
reaper:
  max_update_hours: 24
  max_dangling_hours: 168
`;

// Registry and registryctl each carry the registry config in their own ConfigMap (a change rolls both).
const registryMounts: Workload['mounts'] = [
  { name: 'config', mountPath: '/etc/registry/config.yml', subPath: 'registry.yml', readOnly: true },
  { name: 'registry-secret', mountPath: '/etc/registry/passwd', subPath: 'htpasswd', readOnly: true },
];
const registryVolumes: Workload['volumes'] = [{ name: 'registry-secret', secret: 'harbor-registry' }];

export const service = defineService({
  name: 'harbor',
  namespace: 'harbor',
  layer: 'apps',
  description: 'Container registry and pull-through cache for docker.io, quay.io, registry.k8s.io and ghcr.io',
  dependsOn: ['minio'],
  secrets: [
    {
      name: 'harbor-core',
      data: {
        CORE_SECRET: 'harbor/core#secret',
        JOBSERVICE_SECRET: 'harbor/jobservice#secret',
        HARBOR_ADMIN_PASSWORD: 'harbor/core#admin-password',
        CSRF_KEY: 'harbor/core#csrf-key',
        POSTGRESQL_PASSWORD: 'harbor/database#password',
        REGISTRY_CREDENTIAL_PASSWORD: 'harbor/registry#password',
        // 16-character key that encrypts stored credentials (file /etc/core/key).
        secretKey: 'harbor/core#secret-key',
        // RSA key that signs registry tokens (file /etc/core/private_key.pem).
        'tls.key': 'harbor/core#token-private-key',
      },
    },
    {
      name: 'harbor-registry',
      data: {
        S3_ACCESS_KEY: 'harbor/registry#s3-access-key',
        S3_SECRET_KEY: 'harbor/registry#s3-secret-key',
        HTTP_SECRET: 'harbor/registry#http-secret',
        // bcrypt htpasswd line for harbor_registry_user (the REGISTRY_CREDENTIAL_PASSWORD above).
        htpasswd: 'harbor/registry#htpasswd',
      },
    },
    { name: 'harbor-database', data: { POSTGRES_PASSWORD: 'harbor/database#password' } },
  ],
  workloads: [
    {
      name: 'core',
      kind: 'Deployment',
      image: img('harbor-core'),
      command: ['/bin/sh', '-c', 'set -a && . /etc/harbor/core.env && set +a && exec /harbor/entrypoint.sh'],
      ports: [
        { name: 'http', port: 8080 },
        { name: 'metrics', port: 8001 },
      ],
      env: {
        PORT: '8080',
        CONFIG_PATH: '/etc/core/app.conf',
        DATABASE_TYPE: 'postgresql',
        POSTGRESQL_HOST: 'harbor-database.harbor.svc',
        POSTGRESQL_PORT: '5432',
        POSTGRESQL_USERNAME: 'postgres',
        POSTGRESQL_PASSWORD: { secret: 'harbor-core', key: 'POSTGRESQL_PASSWORD' },
        POSTGRESQL_DATABASE: 'registry',
        POSTGRESQL_SSLMODE: 'disable',
        POSTGRESQL_MAX_IDLE_CONNS: '10',
        POSTGRESQL_MAX_OPEN_CONNS: '50',
        CORE_URL: svcUrl('core', 8080),
        CORE_LOCAL_URL: 'http://127.0.0.1:8080',
        PORTAL_URL: svcUrl('portal', 8080),
        JOBSERVICE_URL: svcUrl('jobservice', 8080),
        REGISTRY_URL: svcUrl('registry', 5000),
        REGISTRY_CONTROLLER_URL: svcUrl('registryctl', 8080),
        REGISTRY_STORAGE_PROVIDER_NAME: 's3',
        REGISTRY_CREDENTIAL_USERNAME: 'harbor_registry_user',
        REGISTRY_CREDENTIAL_PASSWORD: registryPassword,
        WITH_TRIVY: 'true',
        TRIVY_ADAPTER_URL: svcUrl('trivy', 8080),
        _REDIS_URL_CORE: 'redis://harbor-redis.harbor.svc:6379/0?idle_timeout_seconds=30',
        _REDIS_URL_REG: 'redis://harbor-redis.harbor.svc:6379/2?idle_timeout_seconds=30',
        CACHE_ENABLED: 'true',
        CACHE_EXPIRE_HOURS: '24',
        QUOTA_UPDATE_PROVIDER: 'db',
        PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE: 'docker-hub,harbor,azure-acr,aws-ecr,google-gcr,quay,docker-registry,github-ghcr,jfrog-artifactory',
        METRIC_ENABLE: 'true',
        METRIC_PATH: '/metrics',
        METRIC_PORT: '8001',
        METRIC_NAMESPACE: 'harbor',
        METRIC_SUBSYSTEM: 'core',
        LOG_LEVEL: 'info',
        CORE_SECRET: coreSecret,
        JOBSERVICE_SECRET: jobserviceSecret,
        HARBOR_ADMIN_PASSWORD: { secret: 'harbor-core', key: 'HARBOR_ADMIN_PASSWORD' },
        CSRF_KEY: { secret: 'harbor-core', key: 'CSRF_KEY' },
      },
      probes: {
        startup: { http: '/api/v2.0/ping', port: 'http', initialDelaySeconds: 10, failureThreshold: 36 },
        liveness: { http: '/api/v2.0/ping', port: 'http' },
        readiness: { http: '/api/v2.0/ping', port: 'http' },
      },
      resources: res(r('200m', '256Mi', '500m', '1Gi'), r('200m', '256Mi', '500m', '1Gi')),
      replicas: { 'single-node': 1, 'multi-node': 2 },
      config: { mountPath: '/etc/harbor', files: coreFiles },
      volumes: [{ name: 'core-secret', secret: 'harbor-core' }],
      mounts: [
        { name: 'config', mountPath: '/etc/core/app.conf', subPath: 'app.conf', readOnly: true },
        { name: 'core-secret', mountPath: '/etc/core/key', subPath: 'secretKey', readOnly: true },
        { name: 'core-secret', mountPath: '/etc/core/private_key.pem', subPath: 'tls.key', readOnly: true },
      ],
      security: installsCerts,
    },
    {
      name: 'portal',
      kind: 'Deployment',
      image: img('harbor-portal'),
      ports: [{ name: 'http', port: 8080 }],
      probes: {
        liveness: { http: '/', port: 'http' },
        readiness: { http: '/', port: 'http' },
      },
      resources: res(r('50m', '64Mi', '200m', '128Mi'), r('50m', '64Mi', '200m', '128Mi')),
      replicas: { 'single-node': 1, 'multi-node': 2 },
      config: { mountPath: '/etc/harbor-portal', files: { 'nginx.conf': portalNginx } },
      mounts: [{ name: 'config', mountPath: '/etc/nginx/nginx.conf', subPath: 'nginx.conf', readOnly: true }],
      security: harborUser,
    },
    {
      name: 'registry',
      kind: 'Deployment',
      image: img('registry-photon'),
      ports: [
        { name: 'http', port: 5000 },
        { name: 'metrics', port: 8001 },
      ],
      env: { ...s3 },
      config: { mountPath: '/etc/harbor-registry', files: { 'registry.yml': registryConfig } },
      probes: {
        liveness: { http: '/', port: 'http' },
        readiness: { http: '/', port: 'http' },
      },
      resources: res(r('100m', '256Mi', '500m', '512Mi'), r('100m', '256Mi', '500m', '512Mi')),
      replicas: { 'single-node': 1, 'multi-node': 2 },
      volumes: registryVolumes,
      mounts: registryMounts,
      security: installsCerts,
    },
    {
      // Garbage collection and blob deletion for core/jobservice; reads the same S3 storage.
      name: 'registryctl',
      kind: 'Deployment',
      image: img('harbor-registryctl'),
      ports: [{ name: 'http', port: 8080 }],
      env: { ...s3, CORE_SECRET: coreSecret, JOBSERVICE_SECRET: jobserviceSecret },
      probes: {
        liveness: { http: '/api/health', port: 'http' },
        readiness: { http: '/api/health', port: 'http' },
      },
      resources: res(r('50m', '64Mi', '300m', '512Mi'), r('50m', '64Mi', '300m', '512Mi')),
      replicas: { 'single-node': 1, 'multi-node': 2 },
      config: {
        mountPath: '/etc/harbor-registry',
        files: { 'registry.yml': registryConfig, 'registryctl.yml': 'protocol: "http"\nport: 8080\nlog:\n  level: info\nregistry_config: "/etc/registry/config.yml"\n' },
      },
      volumes: registryVolumes,
      mounts: [...(registryMounts ?? []), { name: 'config', mountPath: '/etc/registryctl/config.yml', subPath: 'registryctl.yml', readOnly: true }],
      security: installsCerts,
    },
    {
      name: 'jobservice',
      kind: 'Deployment',
      image: img('harbor-jobservice'),
      ports: [
        { name: 'http', port: 8080 },
        { name: 'metrics', port: 8001 },
      ],
      env: {
        CORE_URL: svcUrl('core', 8080),
        REGISTRY_CONTROLLER_URL: svcUrl('registryctl', 8080),
        REGISTRY_CREDENTIAL_USERNAME: 'harbor_registry_user',
        REGISTRY_CREDENTIAL_PASSWORD: registryPassword,
        CORE_SECRET: coreSecret,
        JOBSERVICE_SECRET: jobserviceSecret,
        LOG_LEVEL: 'info',
      },
      probes: {
        liveness: { http: '/api/v1/stats', port: 'http', initialDelaySeconds: 20 },
        readiness: { http: '/api/v1/stats', port: 'http' },
      },
      resources: res(r('100m', '256Mi', '300m', '512Mi'), r('100m', '256Mi', '300m', '512Mi')),
      replicas: { 'single-node': 1, 'multi-node': 2 },
      config: { mountPath: '/etc/jobservice', files: { 'config.yml': jobserviceConfig } },
      security: installsCerts,
    },
    {
      name: 'trivy',
      kind: 'Deployment',
      image: img('trivy-adapter-photon'),
      ports: [{ name: 'http', port: 8080 }],
      env: {
        SCANNER_API_SERVER_ADDR: ':8080',
        SCANNER_LOG_LEVEL: 'info',
        SCANNER_REDIS_URL: 'redis://harbor-redis.harbor.svc:6379/5?idle_timeout_seconds=30',
        SCANNER_STORE_REDIS_URL: 'redis://harbor-redis.harbor.svc:6379/5?idle_timeout_seconds=30',
        SCANNER_JOB_QUEUE_REDIS_URL: 'redis://harbor-redis.harbor.svc:6379/5?idle_timeout_seconds=30',
        SCANNER_TRIVY_CACHE_DIR: '/home/scanner/.cache/trivy',
        SCANNER_TRIVY_REPORTS_DIR: '/home/scanner/.cache/reports',
        SCANNER_TRIVY_TIMEOUT: '5m0s',
        SCANNER_TRIVY_SKIP_UPDATE: 'false',
      },
      probes: {
        liveness: { http: '/probe/healthy', port: 'http', initialDelaySeconds: 10 },
        readiness: { http: '/probe/ready', port: 'http' },
      },
      resources: res(r('150m', '384Mi', '500m', '1536Mi'), r('150m', '512Mi', '500m', '1536Mi')),
      replicas: { 'single-node': 1, 'multi-node': 2 },
      // Vulnerability DB is re-downloaded (~100 MB) after a restart.
      volumes: [{ name: 'cache', emptyDir: { sizeLimit: '2Gi' } }],
      mounts: [{ name: 'cache', mountPath: '/home/scanner/.cache' }],
      security: installsCerts,
    },
    {
      name: 'database',
      kind: 'StatefulSet',
      singleton: "Harbor's bundled PostgreSQL has no replication; one primary, restored from Velero backups on loss",
      image: img('harbor-db'),
      ports: [{ name: 'postgres', port: 5432 }],
      env: { POSTGRES_PASSWORD: { secret: 'harbor-database', key: 'POSTGRES_PASSWORD' } },
      probes: {
        liveness: { exec: ['/docker-healthcheck.sh'], initialDelaySeconds: 30, periodSeconds: 15 },
        readiness: { exec: ['/docker-healthcheck.sh'], initialDelaySeconds: 5 },
      },
      resources: res(r('200m', '512Mi', '500m', '1Gi'), r('250m', '768Mi', '1', '1536Mi')),
      replicas: { default: 1 },
      storage: [{ name: 'data', mountPath: '/var/lib/postgresql/data', size: { 'single-node': '5Gi', 'multi-node': '10Gi' } }],
      volumes: [{ name: 'shm', emptyDir: { sizeLimit: '256Mi', medium: 'Memory' } }],
      mounts: [{ name: 'shm', mountPath: '/dev/shm' }],
      security: {
        runAsUser: 999,
        runAsGroup: 999,
        fsGroup: 999,
        readOnlyRootFilesystem: false,
        writableRootReason: 'the harbor-db entrypoint writes its socket, initdb scratch and upgrade markers outside the data volume',
      },
      terminationGracePeriodSeconds: 60,
    },
    {
      name: 'redis',
      kind: 'StatefulSet',
      singleton: "Harbor's redis is one instance (job queue, caches); jobs pause while it reschedules",
      image: img('redis-photon'),
      ports: [{ name: 'redis', port: 6379 }],
      probes: {
        liveness: { tcp: 'redis', initialDelaySeconds: 10 },
        readiness: { tcp: 'redis' },
      },
      resources: res(r('50m', '128Mi', '200m', '256Mi'), r('50m', '128Mi', '300m', '512Mi')),
      replicas: { default: 1 },
      storage: [{ name: 'data', mountPath: '/var/lib/redis', size: { 'single-node': '1Gi', 'multi-node': '2Gi' } }],
      security: { runAsUser: 999, runAsGroup: 999, fsGroup: 999 },
    },
  ],
  public: [
    {
      host: 'harbor',
      workload: 'portal',
      port: 'http',
      // Image layers are pushed through this host; nginx's 1m default would reject them.
      maxBodySize: '0',
      slo: { latency: { none: 'image layer uploads and downloads take as long as their size' }, reason: 'a registry, not an interactive UI: availability is its objective' },
      catalog: { name: 'Harbor', category: 'Platform', description: 'Container registry and proxy cache for every upstream registry', icon: 'harbor.svg' },
    },
  ],
  monitoring: { workload: 'core', port: 'metrics', path: '/metrics' },
  backup: { schedule: '45 1 * * *', ttl: '336h' },
  network: {
    egress: [
      { workloads: ['registry', 'registryctl'], peer: { service: 'minio' }, ports: [9000] },
      // Proxy-cache pulls and replication reach upstream registries; trivy fetches its DB from ghcr.io.
      { workloads: ['core', 'jobservice', 'trivy'], peer: 'internet', ports: [443] },
    ],
  },
});
