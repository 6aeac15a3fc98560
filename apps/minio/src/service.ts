import { byCluster, defineService, nonRootUser, resources, type ExtraObjectsContext } from '@carbon/platform';

/**
 * MinIO: S3 for the lake (trino), Velero backups, Loki chunks and Harbor's registry blobs.
 *
 * Layout: every pod has two drives (PVCs data0, data1).
 * - single-node: 1 pod × 2 drives (single-node multi-drive, erasure set of 2, EC:1).
 * - multi-node: 3 pods × 2 drives = one erasure set of 6 drives, default parity EC:3. Losing a
 *   whole node loses 2 drives: reads need 3, writes need 4 (parity = half the set ⇒ data + 1),
 *   so the platform keeps serving with one node down. Pods are spread one per node.
 * The pool is fixed at creation: changing replicas later is a MinIO pool expansion, not a scale-up.
 */
const replicas: Record<string, number> = { 'single-node': 1, 'multi-node': 3 };
const headless = 'minio-headless.data-platform.svc.cluster.local';

function volumes(ctx: ExtraObjectsContext): string {
  const n = replicas[ctx.cluster.name] ?? 1;
  return n === 1 ? '/data{0...1}' : `http://minio-{0...${n - 1}}.${headless}:9000/data{0...1}`;
}

// MinIO reads MINIO_VOLUMES and the other server settings from MINIO_CONFIG_ENV_FILE; the file is
// rendered per cluster so the same StatefulSet runs a single server or a distributed pool.
const configEnv = (ctx: ExtraObjectsContext): Record<string, string> => ({
  'config.env': [
    `MINIO_VOLUMES="${volumes(ctx)}"`,
    `MINIO_BROWSER_REDIRECT_URL="https://minio.${ctx.cluster.domain}"`,
    // Metrics without a bearer token: the endpoint is reachable only from the monitoring namespace.
    'MINIO_PROMETHEUS_AUTH_TYPE="public"',
    '',
  ].join('\n'),
});

export const service = defineService({
  name: 'minio',
  namespace: 'data-platform',
  layer: 'apps',
  team: 'data',
  description: 'S3-compatible object storage for the lake, backups, logs and registry blobs',
  secrets: [{ name: 'minio-root', data: { MINIO_ROOT_USER: 'data-platform/minio#root-user', MINIO_ROOT_PASSWORD: 'data-platform/minio#root-password' } }],
  workloads: [
    {
      name: 'minio',
      kind: 'StatefulSet',
      image: { upstream: 'quay.io/minio/minio', tag: 'RELEASE.2024-10-13T13-34-11Z' },
      command: ['minio'],
      // Certificates dir in /tmp: the default ~/.minio/certs is on the read-only root.
      args: ['server', '--console-address', ':9001', '--certs-dir', '/tmp/certs'],
      ports: [
        { name: 's3', port: 9000 },
        { name: 'console', port: 9001 },
      ],
      env: {
        MINIO_CONFIG_ENV_FILE: '/etc/minio/config.env',
        MINIO_ROOT_USER: { secret: 'minio-root', key: 'MINIO_ROOT_USER' },
        MINIO_ROOT_PASSWORD: { secret: 'minio-root', key: 'MINIO_ROOT_PASSWORD' },
      },
      probes: {
        liveness: { http: '/minio/health/live', port: 's3', initialDelaySeconds: 20 },
        // TCP, not /minio/health/ready: with OrderedReady pods a distributed pool only reaches
        // quorum once every pod runs, so pod 0 must count as ready while it waits for its peers.
        readiness: { tcp: 's3', initialDelaySeconds: 5 },
      },
      resources: byCluster(resources('250m/512Mi', '1/1Gi'), resources('200m/512Mi', '1/2Gi')),
      replicas,
      storage: [
        { name: 'data0', mountPath: '/data0', size: byCluster('25Gi', '100Gi') },
        { name: 'data1', mountPath: '/data1', size: byCluster('25Gi', '100Gi') },
      ],
      config: { mountPath: '/etc/minio', files: configEnv },
      security: nonRootUser(1000, { ownsVolumes: true }),
    },
  ],
  public: [
    {
      host: 'minio',
      workload: 'minio',
      port: 'console',
      slo: { latency: { none: 'object uploads and downloads take as long as their size' }, reason: 'object storage transfers, not an interactive UI: availability is its objective' },
      catalog: { name: 'MinIO', category: 'Storage', description: 'Object storage console: buckets, access keys, usage', icon: 'minio.svg' },
    },
  ],
  monitoring: { workload: 'minio', port: 's3', path: '/minio/v2/metrics/cluster' },
  // Velero's own bucket lives here, so this backup is only useful once the BackupStorageLocation
  // (or a bucket replication target) is off-cluster; until then it protects against PVC loss only.
  backup: { schedule: '0 2 * * *', ttl: '168h' },
  network: {
    ingress: [
      { peer: { service: 'trino' }, ports: ['s3'] },
      { peer: { service: 'velero' }, ports: ['s3'] },
      { peer: { service: 'harbor' }, ports: ['s3'] },
    ],
  },
});
