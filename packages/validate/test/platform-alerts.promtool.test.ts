/**
 * Every platform alert, proven with `promtool test rules` on hand-written synthetic series: it fires
 * (with the labels routing and inhibition rely on) when the failure is there, and stays quiet when it
 * is not. The rules under test are the committed generated PrometheusRule of each cluster.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkTool, findRepoRoot } from '@carbon/toolchain';
import { promtoolTest, readRuleObjects, type AlertCase, type Group } from './promtool-harness.ts';

const root = findRepoRoot(process.cwd());
let promtool = '';

function platformGroups(cluster: string): Group[] {
  const objects = readRuleObjects(join(root, 'apps', 'prometheus', 'deploy')).filter((r) => r.object.metadata.name === 'platform-alerts' && (r.file.includes(`/overlays/${cluster}/`) || r.file.includes('/base/')));
  expect(objects).toHaveLength(1);
  return objects[0]!.object.spec.groups;
}

const alertNames = (groups: Group[]) => [...new Set(groups.flatMap((g) => g.rules.map((r) => r.alert)).filter((a): a is string => !!a))].sort();

beforeAll(async () => {
  promtool = await checkTool(root, 'promtool');
});

const s = (series: string, values: string) => ({ series, values });
const ks = (labels: string, values = '1x40') => s(`gotk_resource_info{customresource_kind="Kustomization",namespace="flux-system",name="trino",${labels}}`, values);
const podOnNode = s('kube_pod_info{namespace="data-platform",pod="trino-0",node="carbon-1",instance="ksm-a"}', '1x40');

/** Cases for alerts both clusters have. Each alert: at least one firing and one quiet case. */
const COMMON: AlertCase[] = [
  // Flux
  { name: 'not Ready for 20m fires once despite two kube-state-metrics replicas', alertname: 'FluxKustomizationNotReady', evalTime: '20m', series: [ks('ready="False",instance="ksm-a"'), ks('ready="False",instance="ksm-b"')], fires: [{ namespace: 'flux-system', name: 'trino', severity: 'warning' }] },
  { name: 'not Ready for 10m is still quiet', alertname: 'FluxKustomizationNotReady', evalTime: '10m', series: [ks('ready="False"')], fires: [] },
  { name: 'Ready is quiet', alertname: 'FluxKustomizationNotReady', evalTime: '20m', series: [ks('ready="True"')], fires: [] },
  { name: 'suspended and not Ready is not NotReady', alertname: 'FluxKustomizationNotReady', evalTime: '20m', series: [ks('ready="False",suspended="true"')], fires: [] },
  { name: 'HelmRelease not Ready fires', alertname: 'FluxHelmReleaseNotReady', evalTime: '20m', series: [s('gotk_resource_info{customresource_kind="HelmRelease",namespace="monitoring",name="x",ready="Unknown"}', '1x40')], fires: [{ namespace: 'monitoring', name: 'x', severity: 'warning' }] },
  { name: 'HelmRelease Ready is quiet', alertname: 'FluxHelmReleaseNotReady', evalTime: '20m', series: [s('gotk_resource_info{customresource_kind="HelmRelease",namespace="monitoring",name="x",ready="True"}', '1x40')], fires: [] },
  { name: 'suspended for 3h fires', alertname: 'FluxReconciliationSuspended', interval: '5m', evalTime: '3h', series: [ks('ready="True",suspended="true"', '1x40')], fires: [{ namespace: 'flux-system', name: 'trino', customresource_kind: 'Kustomization', severity: 'warning' }] },
  { name: 'suspended for 1h is quiet', alertname: 'FluxReconciliationSuspended', interval: '5m', evalTime: '1h', series: [ks('ready="True",suspended="true"', '1x40')], fires: [] },
  // Certificates (time() is the evaluation time: a timestamp of 10 days expires ~10 days after t=0)
  { name: 'expiring in 10 days fires', alertname: 'CertificateExpiringSoon', evalTime: '2h', series: [s('certmanager_certificate_expiration_timestamp_seconds{namespace="data-platform",name="trino"}', '864000x150')], fires: [{ namespace: 'data-platform', name: 'trino', severity: 'warning' }] },
  { name: 'expiring in 30 days is quiet', alertname: 'CertificateExpiringSoon', evalTime: '2h', series: [s('certmanager_certificate_expiration_timestamp_seconds{namespace="data-platform",name="trino"}', '2592000x150')], fires: [] },
  { name: 'expiring in 2 days pages', alertname: 'CertificateExpiryImminent', evalTime: '30m', series: [s('certmanager_certificate_expiration_timestamp_seconds{namespace="vault",name="vault"}', '172800x40')], fires: [{ namespace: 'vault', name: 'vault', severity: 'critical' }] },
  { name: 'expiring in 10 days does not page', alertname: 'CertificateExpiryImminent', evalTime: '30m', series: [s('certmanager_certificate_expiration_timestamp_seconds{namespace="vault",name="vault"}', '864000x40')], fires: [] },
  { name: 'not Ready for 2h fires', alertname: 'CertificateNotReady', interval: '5m', evalTime: '2h', series: [s('certmanager_certificate_ready_status{namespace="vault",name="vault",condition="False"}', '1x40')], fires: [{ namespace: 'vault', name: 'vault', severity: 'warning' }] },
  { name: 'Ready is quiet', alertname: 'CertificateNotReady', interval: '5m', evalTime: '2h', series: [s('certmanager_certificate_ready_status{namespace="vault",name="vault",condition="False"}', '0x40'), s('certmanager_certificate_ready_status{namespace="vault",name="vault",condition="True"}', '1x40')], fires: [] },
  // Backups (grafana: daily at 02:30 → one missed run after 26 h, two after 50 h)
  { name: 'a failed backup fires', alertname: 'VeleroBackupFailed', evalTime: '30m', series: [s('velero_backup_failure_total{schedule="vault"}', '0x10 1x30')], fires: [{ schedule: 'vault', severity: 'warning' }] },
  { name: 'no failure is quiet', alertname: 'VeleroBackupFailed', evalTime: '30m', series: [s('velero_backup_failure_total{schedule="vault"}', '3x40')], fires: [] },
  { name: 'last success 27 h ago fires', alertname: 'VeleroBackupTooOld', interval: '1h', evalTime: '27h', series: [s('velero_backup_last_successful_timestamp{schedule="grafana"}', '0x60')], fires: [{ schedule: 'grafana', namespace: 'monitoring', severity: 'warning' }] },
  { name: 'recent success is quiet', alertname: 'VeleroBackupTooOld', interval: '1h', evalTime: '27h', series: [s('velero_backup_last_successful_timestamp{schedule="grafana"}', '0+3600x60')], fires: [] },
  { name: 'two runs missed pages', alertname: 'VeleroBackupMissing', interval: '1h', evalTime: '51h', series: [s('velero_backup_last_successful_timestamp{schedule="grafana"}', '0x60')], fires: [{ schedule: 'grafana', namespace: 'monitoring', severity: 'critical' }] },
  { name: 'one run missed does not page', alertname: 'VeleroBackupMissing', interval: '1h', evalTime: '27h', series: [s('velero_backup_last_successful_timestamp{schedule="grafana"}', '0x60')], fires: [] },
  // Storage
  { name: '10 % free fires', alertname: 'PersistentVolumeFillingUp', evalTime: '20m', series: [s('kubelet_volume_stats_available_bytes{namespace="data-platform",persistentvolumeclaim="data-postgresql-0",node="carbon-1"}', '10x40'), s('kubelet_volume_stats_capacity_bytes{namespace="data-platform",persistentvolumeclaim="data-postgresql-0",node="carbon-1"}', '100x40')], fires: [{ namespace: 'data-platform', persistentvolumeclaim: 'data-postgresql-0', severity: 'warning' }] },
  { name: '50 % free is quiet', alertname: 'PersistentVolumeFillingUp', evalTime: '20m', series: [s('kubelet_volume_stats_available_bytes{namespace="data-platform",persistentvolumeclaim="data-postgresql-0"}', '50x40'), s('kubelet_volume_stats_capacity_bytes{namespace="data-platform",persistentvolumeclaim="data-postgresql-0"}', '100x40')], fires: [] },
  { name: '2 % free pages', alertname: 'PersistentVolumeFull', evalTime: '20m', series: [s('kubelet_volume_stats_available_bytes{namespace="data-platform",persistentvolumeclaim="data-postgresql-0"}', '2x40'), s('kubelet_volume_stats_capacity_bytes{namespace="data-platform",persistentvolumeclaim="data-postgresql-0"}', '100x40')], fires: [{ namespace: 'data-platform', persistentvolumeclaim: 'data-postgresql-0', severity: 'critical' }] },
  { name: '10 % free does not page', alertname: 'PersistentVolumeFull', evalTime: '20m', series: [s('kubelet_volume_stats_available_bytes{namespace="data-platform",persistentvolumeclaim="data-postgresql-0"}', '10x40'), s('kubelet_volume_stats_capacity_bytes{namespace="data-platform",persistentvolumeclaim="data-postgresql-0"}', '100x40')], fires: [] },
  // Workloads (pod alerts carry the node for inhibition)
  { name: 'CrashLoopBackOff for 20m fires with the node', alertname: 'PodCrashLooping', evalTime: '20m', series: [s('kube_pod_container_status_waiting_reason{namespace="data-platform",pod="trino-0",container="trino",reason="CrashLoopBackOff",instance="ksm-a"}', '1x40'), podOnNode], fires: [{ namespace: 'data-platform', pod: 'trino-0', container: 'trino', node: 'carbon-1', severity: 'warning' }] },
  { name: 'no CrashLoopBackOff is quiet', alertname: 'PodCrashLooping', evalTime: '20m', series: [s('kube_pod_container_status_waiting_reason{namespace="data-platform",pod="trino-0",container="trino",reason="CrashLoopBackOff"}', '0x40'), podOnNode], fires: [] },
  { name: 'not ready for 20m fires with the node', alertname: 'PodNotReady', evalTime: '20m', series: [s('kube_pod_status_ready{namespace="data-platform",pod="trino-0",condition="false"}', '1x40'), podOnNode], fires: [{ namespace: 'data-platform', pod: 'trino-0', node: 'carbon-1', severity: 'warning' }] },
  { name: 'a completed job pod is quiet', alertname: 'PodNotReady', evalTime: '20m', series: [s('kube_pod_status_ready{namespace="data-platform",pod="trino-0",condition="false"}', '1x40'), s('kube_pod_status_phase{namespace="data-platform",pod="trino-0",phase="Succeeded"}', '1x40'), podOnNode], fires: [] },
  { name: '7.5 of 8 CPUs requested fires', alertname: 'NamespaceQuotaNearLimit', evalTime: '20m', series: [s('kube_resourcequota{namespace="data-platform",resourcequota="quota",resource="requests.cpu",type="used"}', '7.5x40'), s('kube_resourcequota{namespace="data-platform",resourcequota="quota",resource="requests.cpu",type="hard"}', '8x40')], fires: [{ namespace: 'data-platform', resource: 'requests.cpu', severity: 'warning' }] },
  { name: '4 of 8 CPUs is quiet', alertname: 'NamespaceQuotaNearLimit', evalTime: '20m', series: [s('kube_resourcequota{namespace="data-platform",resourcequota="quota",resource="requests.cpu",type="used"}', '4x40'), s('kube_resourcequota{namespace="data-platform",resourcequota="quota",resource="requests.cpu",type="hard"}', '8x40')], fires: [] },
  // Nodes
  { name: 'a node not Ready pages', alertname: 'NodeNotReady', evalTime: '10m', series: [s('kube_node_status_condition{node="carbon-2",condition="Ready",status="true"}', '0x40')], fires: [{ node: 'carbon-2', severity: 'critical' }] },
  { name: 'a Ready node is quiet', alertname: 'NodeNotReady', evalTime: '10m', series: [s('kube_node_status_condition{node="carbon-2",condition="Ready",status="true"}', '1x40')], fires: [] },
  { name: 'memory pressure fires', alertname: 'NodeUnderPressure', evalTime: '15m', series: [s('kube_node_status_condition{node="carbon-1",condition="MemoryPressure",status="true"}', '1x40')], fires: [{ node: 'carbon-1', condition: 'MemoryPressure', severity: 'warning' }] },
  { name: 'no pressure is quiet', alertname: 'NodeUnderPressure', evalTime: '15m', series: [s('kube_node_status_condition{node="carbon-1",condition="MemoryPressure",status="true"}', '0x40')], fires: [] },
  { name: '5 % free on / fires; a full tmpfs does not', alertname: 'NodeFilesystemAlmostFull', evalTime: '20m', series: [s('node_filesystem_avail_bytes{node="carbon-1",mountpoint="/",fstype="ext4"}', '5x40'), s('node_filesystem_size_bytes{node="carbon-1",mountpoint="/",fstype="ext4"}', '100x40'), s('node_filesystem_avail_bytes{node="carbon-1",mountpoint="/run",fstype="tmpfs"}', '0x40'), s('node_filesystem_size_bytes{node="carbon-1",mountpoint="/run",fstype="tmpfs"}', '100x40')], fires: [{ node: 'carbon-1', mountpoint: '/', severity: 'warning' }] },
  { name: '50 % free is quiet', alertname: 'NodeFilesystemAlmostFull', evalTime: '20m', series: [s('node_filesystem_avail_bytes{node="carbon-1",mountpoint="/",fstype="ext4"}', '50x40'), s('node_filesystem_size_bytes{node="carbon-1",mountpoint="/",fstype="ext4"}', '100x40')], fires: [] },
  // Services
  { name: 'Harbor core scrape failing pages', alertname: 'HarborDown', evalTime: '10m', series: [s('up{namespace="harbor",job="harbor-core",instance="a"}', '0x40')], fires: [{ namespace: 'harbor', job: 'harbor-core', severity: 'critical' }] },
  { name: 'Harbor with no target at all pages too', alertname: 'HarborDown', evalTime: '10m', series: [s('up{namespace="vault",job="vault"}', '1x40')], fires: [{ namespace: 'harbor', job: 'harbor-core', severity: 'critical' }] },
  { name: 'one Harbor core replica up is quiet', alertname: 'HarborDown', evalTime: '10m', series: [s('up{namespace="harbor",job="harbor-core",instance="a"}', '0x40'), s('up{namespace="harbor",job="harbor-core",instance="b"}', '1x40')], fires: [] },
  { name: 'Vault scrape failing pages', alertname: 'VaultDown', evalTime: '10m', series: [s('up{namespace="vault",job="vault",instance="a"}', '0x40')], fires: [{ namespace: 'vault', job: 'vault', severity: 'critical' }] },
  { name: 'Vault up is quiet', alertname: 'VaultDown', evalTime: '10m', series: [s('up{namespace="vault",job="vault",instance="a"}', '1x40')], fires: [] },
  { name: 'a sealed Vault pages', alertname: 'VaultSealed', evalTime: '5m', series: [s('vault_core_unsealed{pod="vault-0",namespace="vault"}', '0x40')], fires: [{ pod: 'vault-0', severity: 'critical' }] },
  { name: 'an unsealed Vault is quiet', alertname: 'VaultSealed', evalTime: '5m', series: [s('vault_core_unsealed{pod="vault-0",namespace="vault"}', '1x40')], fires: [] },
  { name: 'no tunnel connection pages', alertname: 'CloudflareTunnelDown', evalTime: '10m', series: [s('cloudflared_tunnel_ha_connections{pod="cloudflared-a"}', '0x40')], fires: [{ severity: 'critical' }] },
  { name: 'four tunnel connections are quiet', alertname: 'CloudflareTunnelDown', evalTime: '10m', series: [s('cloudflared_tunnel_ha_connections{pod="cloudflared-a"}', '4x40')], fires: [] },
];

const STAGING: AlertCase[] = [
  { name: 'a new revision that fails to apply on staging fires', alertname: 'FluxPromotionCandidateFailed', evalTime: '10m', series: [ks('ready="False",revision_applied="main@sha1:aaa",revision_attempted="main@sha1:bbb"')], fires: [{ namespace: 'flux-system', name: 'trino', revision_attempted: 'main@sha1:bbb', severity: 'warning' }] },
  { name: 'a failing revision that is the applied one is not a promotion candidate', alertname: 'FluxPromotionCandidateFailed', evalTime: '10m', series: [ks('ready="False",revision_applied="main@sha1:aaa",revision_attempted="main@sha1:aaa"')], fires: [] },
  { name: 'a Ready Kustomization mid-apply is quiet', alertname: 'FluxPromotionCandidateFailed', evalTime: '10m', series: [ks('ready="True",revision_applied="main@sha1:aaa",revision_attempted="main@sha1:bbb"')], fires: [] },
];

describe('platform alerts (promtool test rules on the generated rules)', () => {
  it.each(['single-node', 'multi-node'])('%s: every alert has a firing and a quiet case, and they pass', async (cluster) => {
    const groups = platformGroups(cluster);
    const cases = cluster === 'single-node' ? [...COMMON, ...STAGING] : COMMON;
    const names = alertNames(groups);
    for (const name of names) {
      expect(cases.some((c) => c.alertname === name && c.fires.length > 0), `${name} has a firing case`).toBe(true);
      expect(cases.some((c) => c.alertname === name && c.fires.length === 0), `${name} has a quiet case`).toBe(true);
    }
    expect(names.includes('FluxPromotionCandidateFailed')).toBe(cluster === 'single-node');
    const res = await promtoolTest(promtool, groups, cases);
    expect(res.exitCode, res.output).toBe(0);
  }, 300_000);
});
