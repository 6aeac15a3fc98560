import { byCluster, defineService, egress, everywhere, execProbes, httpGet, httpProbes, nonRootUser, resources, tcpProbes, type Workload } from '@carbon/platform';
import { coreFiles, jobserviceConfig, portalNginx, registryConfig, registryctlConfig, svcUrl } from './config.ts';

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
// Stateless components: one pod on staging, two on production.
const ha = byCluster(1, 2);

// goharbor photon images run as uid/gid 10000; harbor-db and redis-photon as 999.
const harborUser = nonRootUser(10000, { ownsVolumes: true });
const installsCerts = nonRootUser(10000, {
  ownsVolumes: true,
  writableRoot: 'goharbor entrypoints run install_cert.sh, which rewrites the system CA bundle under /etc/pki',
});
const redisUrl = (db: number) => `redis://harbor-redis.harbor.svc:6379/${db}?idle_timeout_seconds=30`;

const coreSecret = { secret: 'harbor-core', key: 'CORE_SECRET' };
const jobserviceSecret = { secret: 'harbor-core', key: 'JOBSERVICE_SECRET' };
const registryPassword = { secret: 'harbor-core', key: 'REGISTRY_CREDENTIAL_PASSWORD' };
const s3 = {
  REGISTRY_STORAGE_S3_ACCESSKEY: { secret: 'harbor-registry', key: 'S3_ACCESS_KEY' },
  REGISTRY_STORAGE_S3_SECRETKEY: { secret: 'harbor-registry', key: 'S3_SECRET_KEY' },
  REGISTRY_HTTP_SECRET: { secret: 'harbor-registry', key: 'HTTP_SECRET' },
};

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
        _REDIS_URL_CORE: redisUrl(0),
        _REDIS_URL_REG: redisUrl(2),
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
      probes: httpProbes('/api/v2.0/ping', 'http', { startup: { initialDelaySeconds: 10, failureThreshold: 36 } }),
      resources: byCluster(resources('200m/256Mi', '500m/1Gi')),
      replicas: ha,
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
      probes: httpProbes('/', 'http'),
      resources: byCluster(resources('50m/64Mi', '200m/128Mi')),
      replicas: ha,
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
      probes: httpProbes('/', 'http'),
      resources: byCluster(resources('100m/256Mi', '500m/512Mi')),
      replicas: ha,
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
      probes: httpProbes('/api/health', 'http'),
      resources: byCluster(resources('50m/64Mi', '300m/512Mi')),
      replicas: ha,
      config: { mountPath: '/etc/harbor-registry', files: { 'registry.yml': registryConfig, 'registryctl.yml': registryctlConfig } },
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
      probes: httpProbes('/api/v1/stats', 'http', { liveness: { initialDelaySeconds: 20 } }),
      resources: byCluster(resources('100m/256Mi', '300m/512Mi')),
      replicas: ha,
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
        SCANNER_REDIS_URL: redisUrl(5),
        SCANNER_STORE_REDIS_URL: redisUrl(5),
        SCANNER_JOB_QUEUE_REDIS_URL: redisUrl(5),
        SCANNER_TRIVY_CACHE_DIR: '/home/scanner/.cache/trivy',
        SCANNER_TRIVY_REPORTS_DIR: '/home/scanner/.cache/reports',
        SCANNER_TRIVY_TIMEOUT: '5m0s',
        SCANNER_TRIVY_SKIP_UPDATE: 'false',
      },
      probes: { liveness: httpGet('/probe/healthy', 'http', { initialDelaySeconds: 10 }), readiness: httpGet('/probe/ready', 'http') },
      resources: byCluster(resources('150m/384Mi', '500m/1536Mi'), resources('150m/512Mi', '500m/1536Mi')),
      replicas: ha,
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
      probes: execProbes(['/docker-healthcheck.sh'], { liveness: { initialDelaySeconds: 30, periodSeconds: 15 }, readiness: { initialDelaySeconds: 5 } }),
      resources: byCluster(resources('200m/512Mi', '500m/1Gi'), resources('250m/768Mi', '1/1536Mi')),
      replicas: everywhere(1),
      storage: [{ name: 'data', mountPath: '/var/lib/postgresql/data', size: { 'single-node': '5Gi', 'multi-node': '10Gi' } }],
      volumes: [{ name: 'shm', emptyDir: { sizeLimit: '256Mi', medium: 'Memory' } }],
      mounts: [{ name: 'shm', mountPath: '/dev/shm' }],
      security: nonRootUser(999, {
        ownsVolumes: true,
        writableRoot: 'the harbor-db entrypoint writes its socket, initdb scratch and upgrade markers outside the data volume',
      }),
      terminationGracePeriodSeconds: 60,
    },
    {
      name: 'redis',
      kind: 'StatefulSet',
      singleton: "Harbor's redis is one instance (job queue, caches); jobs pause while it reschedules",
      image: img('redis-photon'),
      ports: [{ name: 'redis', port: 6379 }],
      probes: tcpProbes('redis', { liveness: { initialDelaySeconds: 10 } }),
      resources: byCluster(resources('50m/128Mi', '200m/256Mi'), resources('50m/128Mi', '300m/512Mi')),
      replicas: everywhere(1),
      storage: [{ name: 'data', mountPath: '/var/lib/redis', size: { 'single-node': '1Gi', 'multi-node': '2Gi' } }],
      security: nonRootUser(999, { ownsVolumes: true }),
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
      egress.minio('registry', 'registryctl'),
      // Proxy-cache pulls and replication reach upstream registries; trivy fetches its DB from ghcr.io.
      egress.internet([443], 'core', 'jobservice', 'trivy'),
    ],
  },
});
