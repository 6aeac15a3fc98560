import { byCluster, defineService, httpGet, nonRootUser, resources, tcpSocket } from '@carbon/platform';
import { beFiles, beHome, feFiles, feHome } from './config.ts';

/**
 * Apache Doris 2.1: frontends (FE: metadata, query planning, MySQL protocol on 9030) and
 * backends (BE: storage and execution).
 *
 * multi-node: 3 FE (one master + two followers elect by BDB-JE majority: one node may be lost) and
 * 3 BE with the default replication of 3 (loads need 2 healthy replicas: one node may be lost).
 * single-node: 1 FE + 1 BE, tables forced to one replica.
 *
 * Membership without the Doris operator: FE pod 0 bootstraps the cluster; every other FE registers
 * itself with `ALTER SYSTEM ADD FOLLOWER` on first start and joins with `--helper`; every BE
 * registers itself with `ALTER SYSTEM ADD BACKEND`. FQDN mode keeps identities stable across pod IPs.
 *
 * Node requirement: BE wants vm.max_map_count >= 2000000 on the host; SKIP_CHECK_ULIMIT only skips
 * the start-up check, the sysctl belongs in node provisioning.
 *
 * Known gap: the root user starts with an empty password. Set it once from Vault
 * (`data-platform/doris#root-password`, `SET PASSWORD FOR 'root' = PASSWORD('…')`); the
 * registration scripts already use DORIS_ROOT_PASSWORD when it works and fall back to empty.
 */
const version = '2.1.7';

const rootPassword = { secret: 'doris-root', key: 'DORIS_ROOT_PASSWORD' };
// Doris images run as root; here a fixed non-root uid owns the volumes (fsGroup). The start
// scripts still write next to the binaries (fe_custom.conf, JNI scratch), hence the writable root.
const security = nonRootUser(1000, {
  ownsVolumes: true,
  writableRoot: 'Doris start scripts and FE write runtime files (fe_custom.conf, pid, JNI scratch) under $DORIS_HOME',
});
// Three FE (BDB-JE majority) and three BE (replication 3) on production; one of each on staging.
const replicas = byCluster(1, 3);

export const service = defineService({
  name: 'doris',
  namespace: 'data-platform',
  layer: 'apps',
  team: 'data',
  description: 'MPP analytical database (MySQL protocol) for low-latency dashboards',
  secrets: [{ name: 'doris-root', data: { DORIS_ROOT_PASSWORD: 'data-platform/doris#root-password' } }],
  workloads: [
    {
      name: 'fe',
      kind: 'StatefulSet',
      image: { upstream: 'docker.io/apache/doris', tag: `fe-${version}` },
      command: ['/bin/bash', '/etc/doris/start.sh'],
      ports: [
        { name: 'http', port: 8030 },
        { name: 'rpc', port: 9020 },
        { name: 'query', port: 9030 },
        { name: 'edit-log', port: 9010 },
      ],
      env: { DORIS_ROOT_PASSWORD: rootPassword },
      probes: {
        // Metadata replay can take minutes after a restart.
        startup: tcpSocket('query', { initialDelaySeconds: 20, periodSeconds: 10, failureThreshold: 60 }),
        liveness: tcpSocket('query', { periodSeconds: 15 }),
        readiness: httpGet('/api/health', 'http'),
      },
      resources: byCluster(resources('250m/1Gi', '1/2Gi')),
      replicas,
      storage: [{ name: 'meta', mountPath: `${feHome}/doris-meta`, size: byCluster('10Gi', '20Gi') }],
      config: { mountPath: '/etc/doris', files: feFiles },
      volumes: [{ name: 'log', emptyDir: { sizeLimit: '2Gi' } }],
      mounts: [
        { name: 'config', mountPath: `${feHome}/conf/fe.conf`, subPath: 'fe.conf', readOnly: true },
        { name: 'log', mountPath: `${feHome}/log` },
      ],
      security,
      terminationGracePeriodSeconds: 60,
    },
    {
      name: 'be',
      kind: 'StatefulSet',
      image: { upstream: 'docker.io/apache/doris', tag: `be-${version}` },
      command: ['/bin/bash', '/etc/doris/start.sh'],
      ports: [
        { name: 'be', port: 9060 },
        { name: 'web', port: 8040 },
        { name: 'heartbeat', port: 9050 },
        { name: 'brpc', port: 8060 },
      ],
      env: { DORIS_ROOT_PASSWORD: rootPassword, SKIP_CHECK_ULIMIT: 'true' },
      probes: {
        startup: tcpSocket('heartbeat', { initialDelaySeconds: 20, periodSeconds: 10, failureThreshold: 30 }),
        liveness: tcpSocket('heartbeat', { periodSeconds: 15 }),
        readiness: httpGet('/api/health', 'web'),
      },
      resources: byCluster(resources('250m/1280Mi', '1/3Gi'), resources('250m/1280Mi', '2/4Gi')),
      replicas,
      storage: [{ name: 'storage', mountPath: `${beHome}/storage`, size: byCluster('50Gi', '100Gi') }],
      config: { mountPath: '/etc/doris', files: beFiles },
      volumes: [{ name: 'log', emptyDir: { sizeLimit: '2Gi' } }],
      mounts: [
        { name: 'config', mountPath: `${beHome}/conf/be.conf`, subPath: 'be.conf', readOnly: true },
        { name: 'log', mountPath: `${beHome}/log` },
      ],
      security,
      terminationGracePeriodSeconds: 60,
    },
  ],
  public: [
    {
      host: 'doris',
      workload: 'fe',
      port: 'http',
      slo: {},
      catalog: { name: 'Doris', category: 'Data', description: 'Analytical database: FE web console and query profiles', icon: 'doris.svg' },
    },
  ],
  monitoring: { workload: 'fe', port: 'http', path: '/metrics' },
  backup: { schedule: '0 3 * * *', ttl: '168h' },
  network: {
    ingress: [{ workloads: ['fe'], peer: { service: 'superset' }, ports: ['query'] }],
  },
});
