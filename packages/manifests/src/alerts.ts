import type { BackupTarget, ClusterFacts } from '@carbon/platform';
import { commonLabels, obj, type K8sObject } from './objects.ts';
import { SCRAPE_LABEL } from './service.ts';
import { runbookUrl } from './slo.ts';

/**
 * The platform's own alerts (not per-service SLOs): the failures the seeds ran into — Flux stuck,
 * certificates expiring, backups failing, disks and quotas filling, pods crash-looping, nodes under
 * pressure, Harbor or Vault down, the tunnel gone. Each has a severity (critical pages, warning opens
 * a ticket), a summary a human reads at 3 a.m., and a runbook (docs/runbooks.md#<alert in lower case>).
 *
 * kube-state-metrics runs two replicas in production: expressions aggregate its series with `max`
 * so a duplicate never doubles a figure. Pod alerts carry `node` (from kube_pod_info) so that a
 * NodeNotReady alert inhibits them in Alertmanager.
 */

export type Severity = 'critical' | 'warning';

export interface AlertSpec {
  alert: string;
  expr: string;
  for?: string;
  severity: Severity;
  summary: string;
  description: string;
  labels?: Record<string, string>;
}

export interface AlertGroup {
  name: string;
  rules: AlertSpec[];
}

/** Pods' node, for inhibition (kube_pod_info carries it). */
const ON_NODE = `* on (namespace, pod) group_left (node) max by (namespace, pod, node) (kube_pod_info)`;

/** Hours between two runs of a cron schedule (minute hour day-of-month month day-of-week), roughly. */
export function cronIntervalHours(schedule: string): number {
  const [, hour = '*', dom = '*', , dow = '*'] = schedule.trim().split(/\s+/);
  if (dow !== '*') return 24 * 7;
  if (dom !== '*') return 24 * 31;
  const every = /^\*\/(\d+)$/.exec(hour);
  if (every) return Number(every[1]);
  if (hour === '*') return 1;
  return 24 / hour.split(',').length;
}

function backupAlerts(backups: BackupTarget[]): AlertSpec[] {
  const out: AlertSpec[] = [
    {
      alert: 'VeleroBackupFailed',
      expr: 'max by (schedule) (increase(velero_backup_failure_total{schedule!=""}[1h])) > 0\nor\nmax by (schedule) (increase(velero_backup_partial_failure_total{schedule!=""}[1h])) > 0',
      severity: 'warning',
      summary: 'Velero backup of {{ $labels.schedule }} failed in the last hour',
      description: 'A scheduled backup of {{ $labels.schedule }} ended Failed or PartiallyFailed: the next restore would start from an older backup.',
    },
  ];
  for (const b of backups) {
    const hours = cronIntervalHours(b.schedule);
    // One missed run (plus 2 h for the backup itself) is a ticket; two missed runs put the restore point, not the RTO, at risk: page.
    for (const [missed, severity] of [[1, 'warning'], [2, 'critical']] as const) {
      const limit = (missed * hours + 2) * 3600;
      out.push({
        alert: missed === 1 ? 'VeleroBackupTooOld' : 'VeleroBackupMissing',
        expr: `time() - max(velero_backup_last_successful_timestamp{schedule="${b.service}"}) > ${limit}`,
        severity,
        labels: { schedule: b.service, namespace: b.namespace },
        summary: `No successful backup of ${b.service} for over ${missed * hours + 2} h (schedule "${b.schedule}")`,
        description: `The last successful Velero backup of ${b.service} (namespace ${b.namespace}) is older than ${missed === 1 ? 'one' : 'two'} scheduled run${missed === 1 ? '' : 's'} plus 2 h. A restore now would lose everything since then.`,
      });
    }
  }
  return out;
}

/** Every platform alert group for one cluster. */
export function platformAlertGroups(cluster: ClusterFacts, backups: BackupTarget[]): AlertGroup[] {
  const staging = cluster.role === 'staging';
  const flux: AlertSpec[] = [
    {
      alert: 'FluxKustomizationNotReady',
      expr: 'max by (namespace, name) (gotk_resource_info{customresource_kind="Kustomization",ready!="True",suspended!="true"}) == 1',
      for: '15m',
      severity: 'warning',
      summary: 'Flux Kustomization {{ $labels.name }} has not been Ready for 15 minutes',
      description: 'Flux cannot apply {{ $labels.namespace }}/{{ $labels.name }}: the cluster no longer matches git for that service (and everything that depends on it waits).',
    },
    {
      alert: 'FluxHelmReleaseNotReady',
      expr: 'max by (namespace, name) (gotk_resource_info{customresource_kind="HelmRelease",ready!="True",suspended!="true"}) == 1',
      for: '15m',
      severity: 'warning',
      summary: 'Flux HelmRelease {{ $labels.namespace }}/{{ $labels.name }} has not been Ready for 15 minutes',
      description: 'helm-controller cannot install or upgrade {{ $labels.namespace }}/{{ $labels.name }}.',
    },
    {
      alert: 'FluxReconciliationSuspended',
      expr: 'max by (namespace, name, customresource_kind) (gotk_resource_info{suspended="true"}) == 1',
      for: '2h',
      severity: 'warning',
      summary: 'Flux {{ $labels.customresource_kind }} {{ $labels.name }} has been suspended for 2 hours',
      description: 'A suspended {{ $labels.customresource_kind }} ignores git: changes and rollbacks to it do not apply. Resume it once the incident that needed the suspension is over.',
    },
  ];
  if (staging) {
    flux.push({
      alert: 'FluxPromotionCandidateFailed',
      // The attempted revision differs from the applied one and the Kustomization is not Ready:
      // staging failed to apply a new revision of the service, so production must not get it.
      expr: [
        'max by (namespace, name, revision_attempted) (gotk_resource_info{customresource_kind="Kustomization",ready="False"})',
        'unless on (namespace, name, revision_attempted)',
        'max by (namespace, name, revision_attempted) (label_replace(gotk_resource_info{customresource_kind="Kustomization"}, "revision_attempted", "$1", "revision_applied", "(.*)"))',
      ].join('\n'),
      for: '5m',
      severity: 'warning',
      summary: 'Staging failed to apply {{ $labels.name }} at {{ $labels.revision_attempted }}: that revision is not promotable',
      description: 'Staging still runs the last applied revision of {{ $labels.name }}; the newer one failed to reconcile. No promotion pull request will be opened for it until a fixed revision reconciles.',
    });
  }
  const certs: AlertSpec[] = [
    {
      alert: 'CertificateExpiringSoon',
      expr: 'min by (namespace, name) (certmanager_certificate_expiration_timestamp_seconds) - time() < 14 * 86400',
      for: '1h',
      severity: 'warning',
      summary: 'Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in less than 14 days',
      description: 'cert-manager renews 30 days before expiry; a certificate this close to expiry has failed to renew.',
    },
    {
      alert: 'CertificateExpiryImminent',
      expr: 'min by (namespace, name) (certmanager_certificate_expiration_timestamp_seconds) - time() < 3 * 86400',
      for: '10m',
      severity: 'critical',
      summary: 'Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in less than 3 days',
      description: 'Browsers and clients will refuse the host once it expires.',
    },
    {
      alert: 'CertificateNotReady',
      expr: 'max by (namespace, name) (certmanager_certificate_ready_status{condition="False"}) == 1',
      for: '1h',
      severity: 'warning',
      summary: 'Certificate {{ $labels.namespace }}/{{ $labels.name }} has not been Ready for an hour',
      description: 'cert-manager cannot issue or renew it (ACME challenge, DNS or issuer problem).',
    },
  ];
  const storage: AlertSpec[] = [
    {
      alert: 'PersistentVolumeFillingUp',
      expr: 'max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes) < 0.15',
      for: '15m',
      severity: 'warning',
      summary: 'Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} has less than 15 % free',
      description: 'Grow the claim in the service definition (storage size) before the application fails its writes.',
    },
    {
      alert: 'PersistentVolumeFull',
      expr: 'max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes) < 0.03',
      for: '5m',
      severity: 'critical',
      summary: 'Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is full (less than 3 % free)',
      description: 'Writes are about to fail (databases stop, Prometheus drops samples).',
    },
  ];
  const workloads: AlertSpec[] = [
    {
      alert: 'PodCrashLooping',
      expr: `(max by (namespace, pod, container) (max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[5m])) == 1)\n${ON_NODE}`,
      for: '15m',
      severity: 'warning',
      summary: 'Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} is crash-looping',
      description: 'The container keeps exiting and Kubernetes keeps restarting it with growing delays.',
    },
    {
      alert: 'PodNotReady',
      expr: `(max by (namespace, pod) (kube_pod_status_ready{condition="false"}) == 1\nunless on (namespace, pod) max by (namespace, pod) (kube_pod_status_phase{phase="Succeeded"}) == 1)\n${ON_NODE}`,
      for: '15m',
      severity: 'warning',
      summary: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} has not been ready for 15 minutes',
      description: 'It receives no traffic; a workload whose every pod is in this state is down.',
    },
    {
      alert: 'NamespaceQuotaNearLimit',
      expr: 'max by (namespace, resource) (kube_resourcequota{type="used"})\n/ on (namespace, resource)\n(max by (namespace, resource) (kube_resourcequota{type="hard"}) > 0)\n> 0.9',
      for: '15m',
      severity: 'warning',
      summary: 'Namespace {{ $labels.namespace }} uses over 90 % of its {{ $labels.resource }} quota',
      description: 'New pods (a rollout, an HPA scale-up) are rejected at admission once the quota is reached. Capacity is planned in clusters/<cluster>/cluster.yaml (`npx platform capacity`).',
    },
  ];
  const nodes: AlertSpec[] = [
    {
      alert: 'NodeNotReady',
      expr: 'max by (node) (kube_node_status_condition{condition="Ready",status="true"}) == 0',
      for: '5m',
      severity: 'critical',
      summary: 'Node {{ $labels.node }} is not Ready',
      description: 'Its pods are being evicted or are unreachable; alerts about those pods are inhibited while this fires.',
    },
    {
      alert: 'NodeUnderPressure',
      expr: 'max by (node, condition) (kube_node_status_condition{condition=~"MemoryPressure|DiskPressure|PIDPressure",status="true"}) == 1',
      for: '10m',
      severity: 'warning',
      summary: 'Node {{ $labels.node }} reports {{ $labels.condition }}',
      description: 'The kubelet starts evicting pods from a node under pressure.',
    },
    {
      alert: 'NodeFilesystemAlmostFull',
      expr: 'max by (node, mountpoint) (node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay|squashfs"}) < 0.1',
      for: '15m',
      severity: 'warning',
      summary: 'Filesystem {{ $labels.mountpoint }} on node {{ $labels.node }} has less than 10 % free',
      description: 'Images, logs and local volumes share the node disk; the kubelet reports DiskPressure and evicts pods when it fills.',
    },
  ];
  const down = (alert: string, what: string, selector: string, why: string): AlertSpec => ({
    alert,
    // absent() carries the selector's labels; `sum by` keeps the same ones, so both cases route alike.
    expr: `sum by (namespace, job) (up{${selector}}) == 0\nor\nabsent(up{${selector}})`,
    for: '5m',
    severity: 'critical',
    summary: `${what} is down (no target answers its metrics endpoint)`,
    description: why,
  });
  const services: AlertSpec[] = [
    down('HarborDown', 'Harbor', 'namespace="harbor",job="harbor-core"', 'Every image of the platform is pulled through Harbor: new pods cannot start while it is down.'),
    down('VaultDown', 'Vault', 'namespace="vault",job="vault"', 'A sealed Vault also stops answering its metrics endpoint. External Secrets cannot refresh any credential while Vault is down.'),
    {
      alert: 'VaultSealed',
      expr: 'max by (pod) (vault_core_unsealed) == 0',
      for: '1m',
      severity: 'critical',
      summary: 'Vault {{ $labels.pod }} is sealed',
      description: 'A sealed Vault serves no secret until it is unsealed with the key shares.',
    },
    {
      alert: 'CloudflareTunnelDown',
      expr: 'sum(cloudflared_tunnel_ha_connections) < 1 or absent(cloudflared_tunnel_ha_connections)',
      for: '5m',
      severity: 'critical',
      summary: 'The Cloudflare tunnel has no connection to the edge',
      description: `Every public host of ${cluster.domain} is unreachable from the internet while no cloudflared connection is up.`,
    },
  ];
  return [
    { name: 'platform-flux', rules: flux },
    { name: 'platform-certificates', rules: certs },
    { name: 'platform-backups', rules: backupAlerts(backups) },
    { name: 'platform-storage', rules: storage },
    { name: 'platform-workloads', rules: workloads },
    { name: 'platform-nodes', rules: nodes },
    { name: 'platform-services', rules: services },
  ];
}

/** Alert rule as Prometheus reads it: labels with severity, annotations with summary and runbook. */
export function alertRule(a: AlertSpec, cluster: ClusterFacts): Record<string, unknown> {
  return {
    alert: a.alert,
    expr: a.expr,
    ...(a.for ? { for: a.for } : {}),
    labels: { severity: a.severity, ...(a.labels ?? {}) },
    annotations: { summary: a.summary, description: a.description, runbook_url: runbookUrl(cluster, a.alert.toLowerCase()) },
  };
}

/** The platform alerts as one PrometheusRule (owned by the prometheus service). */
export function platformAlertRule(s: { name: string; namespace: string; service: string }, cluster: ClusterFacts, backups: BackupTarget[]): K8sObject {
  return obj('monitoring.coreos.com/v1', 'PrometheusRule', { name: s.name, namespace: s.namespace, labels: { ...commonLabels(s.service, 'alerts'), [SCRAPE_LABEL]: 'true' } }, {
    spec: { groups: platformAlertGroups(cluster, backups).map((g) => ({ name: g.name, rules: g.rules.map((r) => alertRule(r, cluster)) })) },
  });
}
