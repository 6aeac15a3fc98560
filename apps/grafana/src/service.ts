import { byCluster, defineService, everywhere, httpProbes, nonRootUser, resources } from '@carbon/platform';
import { dashboardsConfigMap, platformOverviewDashboard, sloDashboard } from '@carbon/manifests';

const HOST = 'grafana';

const grafanaIni = (domain: string) =>
  [
    '[paths]',
    'data = /var/lib/grafana',
    'plugins = /var/lib/grafana/plugins',
    'provisioning = /etc/grafana/provisioning',
    '',
    '[server]',
    'http_port = 3000',
    `domain = ${HOST}.${domain}`,
    `root_url = https://${HOST}.${domain}/`,
    '',
    '[log]',
    'mode = console',
    '',
    '[analytics]',
    'reporting_enabled = false',
    'check_for_updates = false',
    'check_for_plugin_updates = false',
    '',
    '[security]',
    'cookie_secure = true',
    'disable_gravatar = true',
    '',
    '[users]',
    'allow_sign_up = false',
    '',
    '[auth.anonymous]',
    'enabled = false',
    '',
  ].join('\n');

const datasources = [
  'apiVersion: 1',
  'datasources:',
  '  - name: Prometheus',
  '    type: prometheus',
  '    uid: prometheus',
  '    access: proxy',
  '    url: http://prometheus.monitoring.svc:9090',
  '    isDefault: true',
  '    editable: false',
  '  - name: Loki',
  '    type: loki',
  '    uid: loki',
  '    access: proxy',
  '    url: http://loki.monitoring.svc:3100',
  '    editable: false',
  '  - name: Alertmanager',
  '    type: alertmanager',
  '    uid: alertmanager',
  '    access: proxy',
  '    url: http://alertmanager.monitoring.svc:9093',
  '    editable: false',
  '    jsonData:',
  '      implementation: prometheus',
  '',
].join('\n');

const DASHBOARDS = '/var/lib/grafana-dashboards';
const DASHBOARDS_CONFIGMAP = 'grafana-dashboards';

// File provisioning: the generated dashboards (SLOs, platform overview) from the mounted ConfigMap, read-only in the UI.
const dashboardProviders = [
  'apiVersion: 1',
  'providers:',
  '  - name: platform',
  '    folder: Platform',
  '    type: file',
  '    disableDeletion: true',
  '    allowUiUpdates: false',
  '    updateIntervalSeconds: 60',
  '    options:',
  `      path: ${DASHBOARDS}`,
  '',
].join('\n');

export const service = defineService({
  name: 'grafana',
  namespace: 'monitoring',
  layer: 'apps',
  description: 'Grafana: dashboards and log search over Prometheus and Loki',
  secrets: [{ name: 'grafana-admin', data: { ADMIN_USER: 'monitoring/grafana#admin-user', ADMIN_PASSWORD: 'monitoring/grafana#admin-password' } }],
  workloads: [
    {
      name: 'grafana',
      kind: 'StatefulSet',
      singleton:
        'Grafana keeps users, sessions and dashboards in SQLite on its volume; a second replica needs a shared PostgreSQL database (data-platform/grafana), to come once postgresql provisions one',
      image: { upstream: 'docker.io/grafana/grafana', tag: '11.3.0' },
      ports: [{ name: 'http', port: 3000 }],
      probes: httpProbes('/api/health', 'http', { liveness: { initialDelaySeconds: 30, failureThreshold: 5 }, readiness: { initialDelaySeconds: 5 } }),
      resources: byCluster(resources('200m/384Mi', '500m/1Gi'), resources('250m/512Mi', '1/1Gi')),
      replicas: everywhere(1),
      storage: [{ name: 'data', mountPath: '/var/lib/grafana', size: byCluster('2Gi', '5Gi') }],
      config: {
        mountPath: '/etc/grafana',
        files: ({ cluster }) => ({
          'grafana.ini': grafanaIni(cluster.domain),
          'provisioning/datasources/datasources.yaml': datasources,
          'provisioning/dashboards/dashboards.yaml': dashboardProviders,
        }),
      },
      volumes: [{ name: 'dashboards', configMap: DASHBOARDS_CONFIGMAP }],
      mounts: [{ name: 'dashboards', mountPath: DASHBOARDS, readOnly: true }],
      env: {
        GF_PATHS_CONFIG: '/etc/grafana/grafana.ini',
        GF_SECURITY_ADMIN_USER: { secret: 'grafana-admin', key: 'ADMIN_USER' },
        GF_SECURITY_ADMIN_PASSWORD: { secret: 'grafana-admin', key: 'ADMIN_PASSWORD' },
      },
      // The image's grafana user.
      security: nonRootUser(472, { ownsVolumes: true }),
    },
  ],
  public: [
    {
      host: HOST,
      workload: 'grafana',
      port: 'http',
      // Grafana's own request histogram too; live websockets are streams, not requests.
      slo: { own: { histogram: 'grafana_http_request_duration_seconds', statusLabel: 'status_code', matchers: ['handler!="/api/live/ws"'] } },
      catalog: { name: 'Grafana', category: 'Observability', description: 'Metrics and log dashboards for the whole platform', icon: 'grafana.svg' },
    },
  ],
  monitoring: { workload: 'grafana', port: 'http', path: '/metrics' },
  backup: { schedule: '30 2 * * *', ttl: '168h' },
  network: {
    egress: [
      { peer: { service: 'prometheus' }, ports: [9090] },
      { peer: { service: 'loki', workload: 'loki' }, ports: [3100] },
      { peer: { service: 'prometheus' }, ports: [9093] },
    ],
  },
  // One SLO dashboard per public endpoint (from its SLO declaration) and the platform overview.
  extraObjects: ({ cluster, namespace, service, slos }) => [
    dashboardsConfigMap({ name: DASHBOARDS_CONFIGMAP, namespace, service }, [...(slos ?? []).map(sloDashboard), platformOverviewDashboard(cluster.name)]),
  ],
});
