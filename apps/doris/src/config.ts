import { jvmOptions, type ExtraObjectsContext } from '@carbon/platform';

/**
 * Doris's start scripts and configuration files (service.ts mounts them): FE pod 0 bootstraps,
 * other FEs join as followers, every BE registers itself; plain text, no secrets.
 */
const ns = 'data-platform.svc.cluster.local';
export const feHome = '/opt/apache-doris/fe';
export const beHome = '/opt/apache-doris/be';
const leader = `doris-fe-0.doris-fe-headless.${ns}`;

const heap: Record<string, string> = { 'single-node': '640m', 'multi-node': '768m' };
const noLookups = { 'log4j2.formatMsgNoLookups': 'true' };

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

export const feFiles = (ctx: ExtraObjectsContext): Record<string, string> => ({
  'start.sh': feStart,
  'fe.conf': [
    `LOG_DIR = ${feHome}/log`,
    'PID_DIR = /tmp',
    `JAVA_OPTS_FOR_JDK_17 = "${jvmOptions({ xmx: heap[ctx.cluster.name] ?? '640m', xx: ['+UseG1GC', '+ExitOnOutOfMemoryError'], props: noLookups })}"`,
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

export const beFiles = {
  'start.sh': beStart,
  'be.conf': [
    `LOG_DIR = ${beHome}/log`,
    'PID_DIR = /tmp',
    `JAVA_OPTS_FOR_JDK_17 = "${jvmOptions({ xmx: '512m', xx: ['+UseG1GC'], props: noLookups })}"`,
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
