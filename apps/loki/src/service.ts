import { byCluster, defineService, egress, everywhere, forCluster, nonRootUser, resources, type PerCluster } from '@carbon/platform';
import { selectorLabels, serviceMonitorFor } from '@carbon/manifests';

const VERSION = '3.3.2';
// Older lines are deleted by the compactor; the volume is sized for this window.
const retention: PerCluster<string> = { 'single-node': '168h', 'multi-node': '336h' };

const lokiConfig = (retentionPeriod: string) =>
  [
    'auth_enabled: false',
    'server:',
    '  http_listen_port: 3100',
    '  grpc_listen_port: 9095',
    '  log_level: info',
    'common:',
    '  instance_addr: 127.0.0.1',
    '  path_prefix: /var/loki',
    '  replication_factor: 1',
    '  ring:',
    '    kvstore:',
    '      store: inmemory',
    '  storage:',
    '    filesystem:',
    '      chunks_directory: /var/loki/chunks',
    '      rules_directory: /var/loki/rules',
    'schema_config:',
    '  configs:',
    '    - from: "2024-01-01"',
    '      store: tsdb',
    '      object_store: filesystem',
    '      schema: v13',
    '      index:',
    '        prefix: index_',
    '        period: 24h',
    'limits_config:',
    `  retention_period: ${retentionPeriod}`,
    '  ingestion_rate_mb: 8',
    '  ingestion_burst_size_mb: 16',
    'compactor:',
    '  working_directory: /var/loki/compactor',
    '  retention_enabled: true',
    '  delete_request_store: filesystem',
    'analytics:',
    '  reporting_enabled: false',
    '',
  ].join('\n');

const promtailConfig = (cluster: string) =>
  [
    'server:',
    '  http_listen_port: 3101',
    '  grpc_listen_port: 0',
    '  log_level: info',
    'positions:',
    '  filename: /run/promtail/positions.yaml',
    'clients:',
    '  - url: http://loki.monitoring.svc:3100/loki/api/v1/push',
    '    external_labels:',
    `      cluster: ${cluster}`,
    'scrape_configs:',
    '  - job_name: kubernetes-pods',
    '    kubernetes_sd_configs:',
    '      - role: pod',
    '    pipeline_stages:',
    '      - cri: {}',
    '    relabel_configs:',
    // Only this node's pods: promtail matches __host__ against $HOSTNAME.
    '      - source_labels: [__meta_kubernetes_pod_node_name]',
    '        target_label: __host__',
    '      - source_labels: [__meta_kubernetes_namespace]',
    '        target_label: namespace',
    '      - source_labels: [__meta_kubernetes_pod_name]',
    '        target_label: pod',
    '      - source_labels: [__meta_kubernetes_pod_container_name]',
    '        target_label: container',
    '      - source_labels: [__meta_kubernetes_pod_label_app_kubernetes_io_name]',
    '        target_label: app',
    '      - source_labels: [__meta_kubernetes_pod_label_app_kubernetes_io_component]',
    '        target_label: component',
    '      - source_labels: [__meta_kubernetes_pod_uid, __meta_kubernetes_pod_container_name]',
    '        separator: /',
    '        replacement: /var/log/pods/*$1/*.log',
    '        target_label: __path__',
    '',
  ].join('\n');

export const service = defineService({
  name: 'loki',
  namespace: 'monitoring',
  layer: 'apps',
  description: 'Loki (single binary) stores the logs promtail collects from every node',
  workloads: [
    {
      name: 'loki',
      kind: 'StatefulSet',
      singleton:
        'single-binary Loki on a filesystem volume owns its chunks and index alone; more replicas need object storage (MinIO) and the simple-scalable deployment',
      image: { upstream: 'docker.io/grafana/loki', tag: VERSION },
      args: ['-config.file=/etc/loki/loki.yaml', '-target=all'],
      ports: [
        { name: 'http', port: 3100 },
        { name: 'grpc', port: 9095, internal: true },
      ],
      probes: {
        liveness: { tcp: 'http', initialDelaySeconds: 30 },
        readiness: { http: '/ready', port: 'http', initialDelaySeconds: 15 },
      },
      resources: byCluster(resources('300m/768Mi', '1/2Gi'), resources('500m/1Gi', '1/3Gi')),
      replicas: everywhere(1),
      storage: [{ name: 'data', mountPath: '/var/loki', size: byCluster('30Gi', '100Gi') }],
      config: { mountPath: '/etc/loki', files: ({ cluster }) => ({ 'loki.yaml': lokiConfig(forCluster(retention, cluster.name)!) }) },
      // The image's loki user.
      security: nonRootUser(10001, { ownsVolumes: true }),
    },
    {
      name: 'promtail',
      kind: 'DaemonSet',
      image: { upstream: 'docker.io/grafana/promtail', tag: VERSION },
      args: ['-config.file=/etc/promtail/promtail.yaml'],
      env: { HOSTNAME: { fieldPath: 'spec.nodeName' } },
      ports: [{ name: 'http', port: 3101 }],
      probes: {
        liveness: { tcp: 'http', initialDelaySeconds: 10 },
        readiness: { http: '/ready', port: 'http', initialDelaySeconds: 10 },
      },
      resources: everywhere(resources('50m/96Mi', '200m/256Mi')),
      config: { mountPath: '/etc/promtail', files: ({ cluster }) => ({ 'promtail.yaml': promtailConfig(cluster.name) }) },
      volumes: [
        {
          name: 'pod-logs',
          hostPath: { path: '/var/log/pods', reason: 'container logs exist only as files the kubelet writes on each node; mounted read-only' },
        },
        // Positions restart from the file's start after a pod restart; Loki accepts the re-sent lines.
        { name: 'positions', emptyDir: { sizeLimit: '64Mi' } },
      ],
      mounts: [
        { name: 'pod-logs', mountPath: '/var/log/pods', readOnly: true },
        { name: 'positions', mountPath: '/run/promtail' },
      ],
      tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }],
      // Non-root; gid 0 only because the kubelet writes pod log files as root:root 0640.
      security: nonRootUser(10001, { gid: 0 }),
      serviceAccount: {
        automountToken: true,
        clusterRules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
      },
    },
  ],
  monitoring: { workload: 'loki', port: 'http', path: '/metrics' },
  backup: { schedule: '0 3 * * *', ttl: '168h' },
  network: {
    ingress: [
      { workloads: ['loki'], peer: { service: 'grafana' }, ports: ['http'] },
      // `monitoring` covers loki; promtail's own metrics are scraped through the ServiceMonitor below.
      { workloads: ['promtail'], peer: { service: 'prometheus' }, ports: ['http'] },
    ],
    egress: [egress.kubeApi('promtail')],
  },
  extraObjects: ({ namespace, service }) => [serviceMonitorFor({ name: 'loki-promtail', namespace, service }, selectorLabels(service, 'promtail'), [{ port: 'http' }])],
});
