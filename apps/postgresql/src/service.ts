import { byCluster, defineService, everywhere, execProbes, httpProbes, nonRootUser, resources } from '@carbon/platform';

/**
 * PostgreSQL 16: one primary shared by trino (database `analytics`), superset and datahub.
 * Each client has its own role and database, created on first start by `initdb.d/10-roles.sh`
 * from passwords in Vault. Harbor runs its own harbor-db; Doris keeps its own metadata.
 */
const pgdata = '/var/lib/postgresql/data';

// Runs once, when initdb creates an empty cluster (docker-entrypoint.sh runs /docker-entrypoint-initdb.d/*.sh).
// Passwords arrive as environment variables from the Vault-backed secret; none is written here.
const initRoles = `# Sourced by the entrypoint's bash (ConfigMap files are not executable), which already runs with -e.
create() { # role database password-variable
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \\
    -v role="$1" -v db="$2" -v pw="\${!3}" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'pw';
CREATE DATABASE :"db" OWNER :"role";
SQL
}
create trino analytics TRINO_PASSWORD
create superset superset SUPERSET_PASSWORD
create datahub datahub DATAHUB_PASSWORD
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -v pw="$EXPORTER_PASSWORD" <<'SQL'
CREATE ROLE postgres_exporter LOGIN PASSWORD :'pw';
GRANT pg_monitor TO postgres_exporter;
SQL
`;

export const service = defineService({
  name: 'postgresql',
  namespace: 'data-platform',
  layer: 'apps',
  team: 'data',
  description: 'Shared PostgreSQL for trino, superset and datahub (one primary, Velero-backed)',
  secrets: [
    {
      name: 'postgresql',
      data: {
        POSTGRES_PASSWORD: 'data-platform/postgresql#password',
        TRINO_PASSWORD: 'data-platform/trino#password',
        SUPERSET_PASSWORD: 'data-platform/superset#password',
        DATAHUB_PASSWORD: 'data-platform/datahub#password',
        EXPORTER_PASSWORD: 'data-platform/postgres-exporter#password',
      },
    },
  ],
  workloads: [
    {
      name: 'postgresql',
      kind: 'StatefulSet',
      singleton:
        'No replication operator in this repo yet (CloudNativePG or Patroni would be needed for a standby): one primary, restored from Velero backups on loss',
      image: { upstream: 'docker.io/library/postgres', tag: '16.4' },
      ports: [{ name: 'postgres', port: 5432 }],
      env: {
        // A sub-directory of the volume: initdb refuses a non-empty mount point (lost+found).
        PGDATA: `${pgdata}/pgdata`,
        POSTGRES_USER: 'postgres',
        POSTGRES_PASSWORD: { secret: 'postgresql', key: 'POSTGRES_PASSWORD' },
        TRINO_PASSWORD: { secret: 'postgresql', key: 'TRINO_PASSWORD' },
        SUPERSET_PASSWORD: { secret: 'postgresql', key: 'SUPERSET_PASSWORD' },
        DATAHUB_PASSWORD: { secret: 'postgresql', key: 'DATAHUB_PASSWORD' },
        EXPORTER_PASSWORD: { secret: 'postgresql', key: 'EXPORTER_PASSWORD' },
      },
      probes: execProbes(['pg_isready', '-U', 'postgres', '-h', '127.0.0.1'], { liveness: { initialDelaySeconds: 30 }, readiness: { initialDelaySeconds: 5 } }),
      resources: byCluster(resources('250m/512Mi', '1/1Gi'), resources('250m/768Mi', '2/2Gi')),
      replicas: everywhere(1),
      storage: [{ name: 'data', mountPath: pgdata, size: byCluster('20Gi', '50Gi') }],
      config: { mountPath: '/docker-entrypoint-initdb.d', files: { '10-roles.sh': initRoles } },
      volumes: [
        { name: 'run', emptyDir: { sizeLimit: '16Mi' } },
        { name: 'shm', emptyDir: { sizeLimit: '256Mi', medium: 'Memory' } },
      ],
      mounts: [
        // Unix socket and lock file.
        { name: 'run', mountPath: '/var/run/postgresql' },
        { name: 'shm', mountPath: '/dev/shm' },
      ],
      // The official image's postgres user.
      security: nonRootUser(999, { ownsVolumes: true }),
      terminationGracePeriodSeconds: 60,
    },
    {
      name: 'exporter',
      kind: 'Deployment',
      singleton: 'One scraper of one database: a second exporter would only duplicate every series',
      image: { upstream: 'docker.io/prometheuscommunity/postgres-exporter', tag: 'v0.16.0' },
      ports: [{ name: 'metrics', port: 9187 }],
      env: {
        DATA_SOURCE_URI: 'postgresql.data-platform.svc:5432/postgres?sslmode=disable',
        DATA_SOURCE_USER: 'postgres_exporter',
        DATA_SOURCE_PASS: { secret: 'postgresql', key: 'EXPORTER_PASSWORD' },
      },
      probes: httpProbes('/', 'metrics'),
      resources: everywhere(resources('50m/64Mi', '100m/128Mi')),
      replicas: everywhere(1),
      // The image's nobody user.
      security: nonRootUser(65534),
    },
  ],
  monitoring: { workload: 'exporter', port: 'metrics', path: '/metrics' },
  // File-system backup of a running primary is crash-consistent, not a logical dump; PostgreSQL
  // recovers it like after a power loss. A pg_dump/WAL-archive job is the next step.
  backup: { schedule: '30 1 * * *', ttl: '336h' },
  network: {
    ingress: [
      { workloads: ['postgresql'], peer: { service: 'trino' }, ports: ['postgres'] },
      { workloads: ['postgresql'], peer: { service: 'superset' }, ports: ['postgres'] },
      { workloads: ['postgresql'], peer: { service: 'datahub' }, ports: ['postgres'] },
    ],
  },
});
