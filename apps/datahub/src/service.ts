import { buildJob } from '@carbon/manifests';
import { byCluster, defineService, egress, everywhere, httpProbes, jvmOptions, nonRootUser, resources, tcpProbes } from '@carbon/platform';
import { authEnv, backendEnv, kafkaEnv, ns } from './config.ts';

/**
 * DataHub v0.14: GMS (metadata service, also the internal schema registry and the MAE/MCE
 * consumers) and the React frontend, with their own OpenSearch and single-broker KRaft Kafka.
 * Entity storage is PostgreSQL database `datahub`. `system-update` (datahub-upgrade SystemUpdate)
 * creates indices and topics and migrates once per version; GMS waits for it.
 */
const version = 'v0.14.1';
// acryldata images run as the alpine system user "datahub" (uid 100, gid 101).
const datahubUser = nonRootUser(100, { gid: 101 });
// apache/kafka and opensearch images run as uid/gid 1000 and write their config at start.
const writesConfig = (reason: string) => nonRootUser(1000, { ownsVolumes: true, writableRoot: reason });
const ha = byCluster(1, 2);

export const service = defineService({
  name: 'datahub',
  namespace: 'data-platform',
  layer: 'apps',
  team: 'data',
  description: 'Metadata catalog: datasets, lineage and ownership across the platform',
  dependsOn: ['postgresql'],
  secrets: [
    {
      name: 'datahub',
      data: {
        DB_PASSWORD: 'data-platform/datahub#password',
        SYSTEM_CLIENT_SECRET: 'data-platform/datahub#system-client-secret',
        TOKEN_SIGNING_KEY: 'data-platform/datahub#token-signing-key',
        TOKEN_SALT: 'data-platform/datahub#token-salt',
        FRONTEND_SECRET: 'data-platform/datahub#frontend-secret',
      },
    },
    // JAAS user.props ("admin:<password>"): replaces the image's default datahub:datahub login.
    { name: 'datahub-users', data: { 'user.props': 'data-platform/datahub#user-props' } },
  ],
  workloads: [
    {
      name: 'gms',
      kind: 'Deployment',
      image: { upstream: 'docker.io/acryldata/datahub-gms', tag: version },
      ports: [
        { name: 'http', port: 8080 },
        { name: 'metrics', port: 4318 },
      ],
      env: {
        ...backendEnv,
        ...authEnv,
        DATAHUB_TOKEN_SERVICE_SIGNING_KEY: { secret: 'datahub', key: 'TOKEN_SIGNING_KEY' },
        DATAHUB_TOKEN_SERVICE_SALT: { secret: 'datahub', key: 'TOKEN_SALT' },
        MAE_CONSUMER_ENABLED: 'true',
        MCE_CONSUMER_ENABLED: 'true',
        PE_CONSUMER_ENABLED: 'true',
        UI_INGESTION_ENABLED: 'true',
        // The image's start script loads the JMX exporter agent on 4318.
        ENABLE_PROMETHEUS: 'true',
        JAVA_OPTS: jvmOptions({ xms: '512m', xmx: '768m', xx: ['+ExitOnOutOfMemoryError'] }),
      },
      probes: httpProbes('/health', 'http', {
        startup: { initialDelaySeconds: 30, periodSeconds: 10, failureThreshold: 30 },
        liveness: { periodSeconds: 15 },
      }),
      resources: byCluster(resources('250m/1Gi', '1/1536Mi')),
      replicas: ha,
      security: datahubUser,
    },
    {
      name: 'frontend',
      kind: 'Deployment',
      image: { upstream: 'docker.io/acryldata/datahub-frontend-react', tag: version },
      ports: [{ name: 'http', port: 9002 }],
      env: {
        ...authEnv,
        DATAHUB_GMS_HOST: `datahub-gms.${ns}`,
        DATAHUB_GMS_PORT: '8080',
        DATAHUB_SECRET: { secret: 'datahub', key: 'FRONTEND_SECRET' },
        DATAHUB_APP_VERSION: '1.0',
        DATAHUB_PLAY_MEM_BUFFER_SIZE: '10MB',
        KAFKA_BOOTSTRAP_SERVER: `datahub-kafka.${ns}:9092`,
        ELASTIC_CLIENT_HOST: `datahub-search.${ns}`,
        ELASTIC_CLIENT_PORT: '9200',
        // pidfile to /dev/null: Play writes RUNNING_PID next to the app otherwise (read-only root).
        JAVA_OPTS: jvmOptions({
          xms: '256m',
          xmx: '384m',
          props: {
            'http.port': '9002',
            'config.file': 'datahub-frontend/conf/application.conf',
            'java.security.auth.login.config': 'datahub-frontend/conf/jaas.conf',
            'logback.configurationFile': 'datahub-frontend/conf/logback.xml',
            'pidfile.path': '/dev/null',
          },
        }),
      },
      probes: httpProbes('/admin', 'http', { liveness: { initialDelaySeconds: 30 }, readiness: { initialDelaySeconds: 15 } }),
      resources: byCluster(resources('100m/512Mi', '500m/768Mi')),
      replicas: ha,
      volumes: [{ name: 'users', secret: 'datahub-users' }],
      mounts: [{ name: 'users', mountPath: '/datahub-frontend/conf/user.props', subPath: 'user.props', readOnly: true }],
      security: datahubUser,
    },
    {
      name: 'search',
      kind: 'StatefulSet',
      singleton:
        'Search and graph indices are derived data, rebuilt from PostgreSQL with datahub-upgrade RestoreIndices; a 3-node OpenSearch would cost ~3 GiB more for no data safety',
      image: { upstream: 'docker.io/opensearchproject/opensearch', tag: '2.17.1' },
      ports: [
        { name: 'http', port: 9200 },
        { name: 'transport', port: 9300, internal: true },
      ],
      env: {
        // single-node discovery also skips the production bootstrap checks (no vm.max_map_count sysctl needed).
        'discovery.type': 'single-node',
        DISABLE_SECURITY_PLUGIN: 'true',
        DISABLE_INSTALL_DEMO_CONFIG: 'true',
        OPENSEARCH_JAVA_OPTS: jvmOptions({ xms: '512m', xmx: '512m' }),
      },
      probes: httpProbes('/_cluster/health?local=true', 'http', {
        startup: { initialDelaySeconds: 20, failureThreshold: 30 },
        liveness: { periodSeconds: 20 },
      }),
      resources: byCluster(resources('250m/1Gi', '1/1536Mi')),
      replicas: everywhere(1),
      storage: [{ name: 'data', mountPath: '/usr/share/opensearch/data', size: byCluster('10Gi', '20Gi') }],
      security: writesConfig('the OpenSearch entrypoint writes the keystore and generated settings into /usr/share/opensearch/config'),
    },
    {
      name: 'kafka',
      kind: 'StatefulSet',
      singleton:
        "One KRaft broker+controller: DataHub's topics carry change events GMS can re-emit; a 3-broker quorum would triple the cost. While it reschedules, ingestion pauses and the UI stays readable",
      image: { upstream: 'docker.io/apache/kafka', tag: '3.8.0' },
      ports: [
        { name: 'kafka', port: 9092 },
        { name: 'controller', port: 9093, internal: true },
      ],
      env: {
        ...kafkaEnv,
        KAFKA_HEAP_OPTS: jvmOptions({ xms: '256m', xmx: '384m' }),
      },
      probes: tcpProbes('kafka', { liveness: { initialDelaySeconds: 30, periodSeconds: 15 }, readiness: { initialDelaySeconds: 10 } }),
      resources: byCluster(resources('100m/512Mi', '500m/768Mi'), resources('100m/512Mi', '1/768Mi')),
      replicas: everywhere(1),
      storage: [{ name: 'data', mountPath: '/var/lib/kafka/data', size: byCluster('10Gi', '20Gi') }],
      security: writesConfig('the apache/kafka launcher renders server.properties from KAFKA_* variables into /opt/kafka/config'),
    },
  ],
  public: [
    {
      host: 'datahub',
      workload: 'frontend',
      port: 'http',
      slo: {},
      catalog: { name: 'DataHub', category: 'Data', description: 'Metadata catalog: search datasets, lineage, owners', icon: 'datahub.svg' },
    },
  ],
  monitoring: { workload: 'gms', port: 'metrics', path: '/metrics' },
  backup: { schedule: '15 3 * * *', ttl: '168h' },
  network: {
    egress: [
      egress.postgresql('gms'),
      // Ingestion recipes run inside GMS's executor against the platform's sources.
      { workloads: ['gms'], peer: { service: 'trino', workload: 'coordinator' }, ports: [8080] },
    ],
  },
  extraObjects: (ctx) =>
    buildJob(
      service,
      {
        name: 'system-update',
        pod: {
          name: 'system-update',
          image: { upstream: 'docker.io/acryldata/datahub-upgrade', tag: version },
          args: ['-u', 'SystemUpdate'],
          env: {
            ...backendEnv,
            DATAHUB_REVISION: '1',
            SCHEMA_REGISTRY_SYSTEM_UPDATE: 'true',
            SPRING_KAFKA_PROPERTIES_AUTO_REGISTER_SCHEMAS: 'true',
            SPRING_KAFKA_PROPERTIES_USE_LATEST_VERSION: 'true',
            JAVA_OPTS: jvmOptions({ xms: '256m', xmx: '512m' }),
          },
          resources: everywhere(resources('100m/512Mi', '500m/768Mi')),
          security: datahubUser,
        },
        egress: [egress.postgresql()],
        activeDeadlineSeconds: 3600,
      },
      ctx.cluster,
      () => ctx.namespace,
    ),
});
