import { defineService, type ExtraObjectsContext } from '@carbon/platform';

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
const ns = 'data-platform.svc.cluster.local';
const feHome = '/opt/apache-doris/fe';
const beHome = '/opt/apache-doris/be';
const leader = `doris-fe-0.doris-fe-headless.${ns}`;

const heap: Record<string, string> = { 'single-node': '640m', 'multi-node': '768m' };

const sql = `sql() { # statement; tries the Vault password, then the initial empty one
  for pw in "\${DORIS_ROOT_PASSWORD:-}" ""; do
    if MYSQL_PWD="$pw" mysql -h "$1" -P 9030 -u root -e "$2" 2>/tmp/sql.err; then return 0; fi
    if grep -qi "already exist" /tmp/sql.err; then return 0; fi
  done
  cat /tmp/sql.err >&2
  return 1
}`;

const feStart = `#!/bin/bash
set -euo pipefail
${sql}
self="$(hostname -s).doris-fe-headless.${ns}"
if [ "$(hostname -s)" = doris-fe-0 ] || [ -d ${feHome}/doris-meta/bdb ]; then
  exec ${feHome}/bin/start_fe.sh --console
fi
# First start of a follower: the master must list it before it may join.
until sql ${leader} "ALTER SYSTEM ADD FOLLOWER \\"$self:9010\\""; do sleep 5; done
exec ${feHome}/bin/start_fe.sh --helper ${leader}:9010 --console
`;

const beStart = `#!/bin/bash
set -euo pipefail
${sql}
self="$(hostname -s).doris-be-headless.${ns}"
until sql doris-fe.${ns} "ALTER SYSTEM ADD BACKEND \\"$self:9050\\""; do sleep 5; done
exec ${beHome}/bin/start_be.sh --console
`;

const feFiles = (ctx: ExtraObjectsContext): Record<string, string> => ({
  'start.sh': feStart,
  'fe.conf': [
    `LOG_DIR = ${feHome}/log`,
    'PID_DIR = /tmp',
    `JAVA_OPTS_FOR_JDK_17 = "-Xmx${heap[ctx.cluster.name] ?? '640m'} -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -Dlog4j2.formatMsgNoLookups=true"`,
    `meta_dir = ${feHome}/doris-meta`,
    'http_port = 8030',
    'rpc_port = 9020',
    'query_port = 9030',
    'edit_log_port = 9010',
    'enable_fqdn_mode = true',
    'sys_log_level = INFO',
    ...(ctx.cluster.nodes.length === 1 ? ['# One backend: every table gets one replica.', 'force_olap_table_replication_num = 1'] : []),
    '',
  ].join('\n'),
});

const beFiles = {
  'start.sh': beStart,
  'be.conf': [
    `LOG_DIR = ${beHome}/log`,
    'PID_DIR = /tmp',
    'JAVA_OPTS_FOR_JDK_17 = "-Xmx512m -XX:+UseG1GC -Dlog4j2.formatMsgNoLookups=true"',
    'be_port = 9060',
    'webserver_port = 8040',
    'heartbeat_service_port = 9050',
    'brpc_port = 8060',
    `storage_root_path = ${beHome}/storage`,
    // Of the container's cgroup limit.
    'mem_limit = 80%',
    '',
  ].join('\n'),
};

const rootPassword = { secret: 'doris-root', key: 'DORIS_ROOT_PASSWORD' };
// Doris images run as root; here a fixed non-root uid owns the volumes (fsGroup). The start
// scripts still write next to the binaries (fe_custom.conf, JNI scratch), hence the writable root.
const security = {
  runAsUser: 1000,
  runAsGroup: 1000,
  fsGroup: 1000,
  readOnlyRootFilesystem: false,
  writableRootReason: 'Doris start scripts and FE write runtime files (fe_custom.conf, pid, JNI scratch) under $DORIS_HOME',
};

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
        startup: { tcp: 'query', initialDelaySeconds: 20, periodSeconds: 10, failureThreshold: 60 },
        liveness: { tcp: 'query', periodSeconds: 15 },
        readiness: { http: '/api/health', port: 'http' },
      },
      resources: {
        'single-node': { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
        'multi-node': { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
      },
      replicas: { 'single-node': 1, 'multi-node': 3 },
      storage: [{ name: 'meta', mountPath: `${feHome}/doris-meta`, size: { 'single-node': '10Gi', 'multi-node': '20Gi' } }],
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
        startup: { tcp: 'heartbeat', initialDelaySeconds: 20, periodSeconds: 10, failureThreshold: 30 },
        liveness: { tcp: 'heartbeat', periodSeconds: 15 },
        readiness: { http: '/api/health', port: 'web' },
      },
      resources: {
        'single-node': { requests: { cpu: '250m', memory: '1280Mi' }, limits: { cpu: '1', memory: '3Gi' } },
        'multi-node': { requests: { cpu: '250m', memory: '1280Mi' }, limits: { cpu: '2', memory: '4Gi' } },
      },
      replicas: { 'single-node': 1, 'multi-node': 3 },
      storage: [{ name: 'storage', mountPath: `${beHome}/storage`, size: { 'single-node': '50Gi', 'multi-node': '100Gi' } }],
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
