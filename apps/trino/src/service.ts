import { byCluster, defineService, egress, everywhere, httpProbes, nonRootUser, resources } from '@carbon/platform';

const image = { upstream: 'docker.io/trinodb/trino', tag: '455' };
const security = nonRootUser(1000, { ownsVolumes: true });
const probes = httpProbes('/v1/info', 'http', { liveness: { initialDelaySeconds: 30 }, readiness: { initialDelaySeconds: 15 } });
const coordinatorResources = byCluster(resources('500m/1536Mi', '2/3Gi'), resources('1/3Gi', '2/4Gi'));
const workerResources = byCluster(resources('500m/2Gi', '2/3Gi'), resources('1/3Gi', '2/4Gi'));

const common = (coordinator: boolean, heap: string) => ({
  'node.properties': 'node.environment=carbon\nnode.data-dir=/data/trino\n',
  'jvm.config': ['-server', `-Xmx${heap}`, '-XX:+UseG1GC', '-XX:+ExitOnOutOfMemoryError', '-Djdk.attach.allowAttachSelf=true', ''].join('\n'),
  'config.properties': [
    `coordinator=${coordinator}`,
    ...(coordinator ? ['node-scheduler.include-coordinator=false'] : []),
    'http-server.http.port=8080',
    'discovery.uri=http://trino-coordinator.data-platform.svc:8080',
    '',
  ].join('\n'),
  'log.properties': 'io.trino=INFO\n',
  'catalog/postgresql.properties': [
    'connector.name=postgresql',
    'connection-url=jdbc:postgresql://postgresql.data-platform.svc:5432/analytics',
    'connection-user=${ENV:POSTGRES_USER}',
    'connection-password=${ENV:POSTGRES_PASSWORD}',
    '',
  ].join('\n'),
});

export const service = defineService({
  name: 'trino',
  namespace: 'data-platform',
  layer: 'apps',
  team: 'data',
  description: 'Distributed SQL query engine over PostgreSQL and the MinIO lake',
  dependsOn: ['postgresql', 'minio'],
  secrets: [{ name: 'trino-postgresql', data: { POSTGRES_USER: 'data-platform/trino#username', POSTGRES_PASSWORD: 'data-platform/trino#password' } }],
  workloads: [
    {
      name: 'coordinator',
      kind: 'Deployment',
      singleton: 'Trino supports exactly one coordinator per cluster; workers carry the HA',
      image,
      ports: [{ name: 'http', port: 8080 }],
      probes,
      resources: coordinatorResources,
      replicas: everywhere(1),
      config: { mountPath: '/etc/trino', files: common(true, '2G') },
      env: {
        POSTGRES_USER: { secret: 'trino-postgresql', key: 'POSTGRES_USER' },
        POSTGRES_PASSWORD: { secret: 'trino-postgresql', key: 'POSTGRES_PASSWORD' },
      },
      volumes: [{ name: 'data', emptyDir: { sizeLimit: '4Gi' } }],
      mounts: [{ name: 'data', mountPath: '/data/trino' }],
      security,
    },
    {
      name: 'worker',
      kind: 'Deployment',
      image,
      ports: [{ name: 'http', port: 8080 }],
      probes,
      resources: workerResources,
      replicas: byCluster(1, 2),
      autoscale: { 'single-node': { min: 1, max: 2, cpuPercent: 75 }, 'multi-node': { min: 2, max: 4, cpuPercent: 70 } },
      config: { mountPath: '/etc/trino', files: common(false, '2G') },
      env: {
        POSTGRES_USER: { secret: 'trino-postgresql', key: 'POSTGRES_USER' },
        POSTGRES_PASSWORD: { secret: 'trino-postgresql', key: 'POSTGRES_PASSWORD' },
      },
      volumes: [{ name: 'data', emptyDir: { sizeLimit: '8Gi' } }],
      mounts: [{ name: 'data', mountPath: '/data/trino' }],
      security,
    },
  ],
  public: [
    {
      host: 'trino',
      workload: 'coordinator',
      port: 'http',
      slo: {
        latency: { percent: 95, thresholdMs: 1000 },
        reason: 'clients poll a running query (nextUri) and the coordinator holds each poll up to 1 s while results are produced',
      },
      catalog: { name: 'Trino', category: 'Analytics', description: 'SQL over PostgreSQL and the data lake', icon: 'trino.svg' },
    },
  ],
  monitoring: { workload: 'coordinator', port: 'http', path: '/metrics' },
  network: {
    ingress: [{ workloads: ['coordinator'], peer: { service: 'superset' }, ports: ['http'] }, { workloads: ['coordinator'], peer: { service: 'datahub' }, ports: ['http'] }],
    egress: [
      egress.postgresql(),
      egress.minio(),
    ],
  },
});
