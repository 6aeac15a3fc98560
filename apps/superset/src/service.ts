import { buildJob } from '@carbon/manifests';
import { byCluster, defineService, egress, everywhere, httpProbes, nonRootUser, resources, type Workload } from '@carbon/platform';

/**
 * Apache Superset: dashboards over Trino (and Doris), metadata in PostgreSQL database `superset`.
 * Web pods are stateless (sessions are signed cookies, cache is per pod) and autoscale on CPU.
 * Schema migrations and role sync run once per version in the `init` Job.
 */
const image = { upstream: 'docker.io/apache/superset', tag: '4.0.2' };

const supersetConfig = `import os

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = os.environ["SUPERSET_DATABASE_URI"]

# Behind ingress-nginx and the Cloudflare tunnel: trust X-Forwarded-* for scheme and host.
ENABLE_PROXY_FIX = True
PREFERRED_URL_SCHEME = "https"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_SAMESITE = "Lax"

# No Redis in this deployment: per-pod caches and rate limits.
CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300}
DATA_CACHE_CONFIG = CACHE_CONFIG
RATELIMIT_STORAGE_URI = "memory://"

SQLLAB_TIMEOUT = 300
SUPERSET_WEBSERVER_TIMEOUT = 300
`;

const env: Workload['env'] = {
  SUPERSET_CONFIG_PATH: '/app/pythonpath/superset_config.py',
  SUPERSET_HOME: '/app/superset_home',
  SUPERSET_SECRET_KEY: { secret: 'superset', key: 'SUPERSET_SECRET_KEY' },
  SUPERSET_DATABASE_URI: { secret: 'superset', key: 'SUPERSET_DATABASE_URI' },
};
const config = { mountPath: '/app/pythonpath', files: { 'superset_config.py': supersetConfig } };
const volumes: Workload['volumes'] = [{ name: 'home', emptyDir: { sizeLimit: '512Mi' } }];
const mounts: Workload['mounts'] = [{ name: 'home', mountPath: '/app/superset_home' }];
// The image's superset user.
const security = nonRootUser(1000);

export const service = defineService({
  name: 'superset',
  namespace: 'data-platform',
  layer: 'apps',
  team: 'data',
  description: 'Dashboards and SQL exploration over Trino, Doris and PostgreSQL',
  dependsOn: ['postgresql'],
  secrets: [
    {
      name: 'superset',
      data: {
        SUPERSET_SECRET_KEY: 'data-platform/superset#secret-key',
        // postgresql+psycopg2://superset:<password>@postgresql.data-platform.svc:5432/superset
        SUPERSET_DATABASE_URI: 'data-platform/superset#database-uri',
        ADMIN_PASSWORD: 'data-platform/superset#admin-password',
      },
    },
  ],
  workloads: [
    {
      name: 'superset',
      kind: 'Deployment',
      image,
      ports: [{ name: 'http', port: 8088 }],
      env,
      probes: httpProbes('/health', 'http', { liveness: { initialDelaySeconds: 30, periodSeconds: 15 }, readiness: { initialDelaySeconds: 15 } }),
      resources: byCluster(resources('250m/640Mi', '1/1536Mi'), resources('250m/768Mi', '1/2Gi')),
      replicas: byCluster(1, 2),
      autoscale: { 'single-node': { min: 1, max: 2, cpuPercent: 75 }, 'multi-node': { min: 2, max: 4, cpuPercent: 70 } },
      config,
      volumes,
      mounts,
      security,
    },
  ],
  public: [
    {
      host: 'superset',
      workload: 'superset',
      port: 'http',
      slo: { latency: { percent: 95, thresholdMs: 1000 }, reason: 'chart data requests wait on the Trino or Doris query behind them' },
      catalog: { name: 'Superset', category: 'Analytics', description: 'Dashboards and charts over Trino and Doris', icon: 'superset.svg' },
    },
  ],
  monitoring: { none: 'Superset has no Prometheus endpoint; its /health is probed and ingress-nginx metrics cover request rates and latency' },
  network: {
    egress: [
      egress.postgresql(),
      { peer: { service: 'trino', workload: 'coordinator' }, ports: [8080] },
      { peer: { service: 'doris', workload: 'fe' }, ports: [9030] },
    ],
  },
  extraObjects: (ctx) => [
    ...buildJob(
      service,
      {
        name: 'init',
        pod: {
          name: 'init',
          image,
          command: ['/bin/sh', '-c'],
          args: [
            [
              'superset db upgrade',
              // Prints "already exists" and exits 0 when the admin is there.
              'superset fab create-admin --username admin --firstname Platform --lastname Admin --email admin@254carbon.com --password "$ADMIN_PASSWORD"',
              'superset init',
            ].join(' && '),
          ],
          env: { ...env, ADMIN_PASSWORD: { secret: 'superset', key: 'ADMIN_PASSWORD' } },
          resources: everywhere(resources('100m/384Mi', '500m/1Gi')),
          config,
          volumes,
          mounts,
          security,
        },
        egress: [egress.postgresql()],
        activeDeadlineSeconds: 1800,
      },
      ctx.cluster,
      () => ctx.namespace,
    ),
  ],
});
