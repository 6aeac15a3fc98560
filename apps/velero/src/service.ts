import { byCluster, defineService, egress, everywhere, httpGet, resources, tcpSocket, type PolicyRule } from '@carbon/platform';
import { backupSchedule, commonLabels, selectorLabels, serviceMonitorFor } from '@carbon/manifests';

// Same as the pinned CRD source `velero` in packages/toolchain/src/versions.ts.
const VERSION = 'v1.15.2';
const image = { upstream: 'docker.io/velero/velero', tag: VERSION };
// Velero serves no health endpoint; /metrics answers once the server (or node-agent) is up.
const probes = { liveness: tcpSocket('metrics', { initialDelaySeconds: 30 }), readiness: httpGet('/metrics', 'metrics', { initialDelaySeconds: 10 }) };
// velero-plugin-for-aws v1.11.x is the line built for Velero v1.15.
const awsPlugin = { upstream: 'docker.io/velero/velero-plugin-for-aws', tag: 'v1.11.1' };
// The velero images are distroless :nonroot.
const NONROOT = 65532;
const CREDENTIALS = 'velero-credentials';
const read = ['get', 'list', 'watch'];
const all = [...read, 'create', 'update', 'patch', 'delete'];

const commonEnv = {
  VELERO_NAMESPACE: { fieldPath: 'metadata.namespace' },
  VELERO_SCRATCH_DIR: '/scratch',
  // The AWS plugin and the kopia uploader read the MinIO key pair from this INI file.
  AWS_SHARED_CREDENTIALS_FILE: '/credentials/cloud',
};
const commonVolumes = [
  { name: 'scratch', emptyDir: { sizeLimit: '1Gi' } },
  { name: 'credentials', secret: CREDENTIALS },
] as const;
const commonMounts = [
  { name: 'scratch', mountPath: '/scratch' },
  { name: 'credentials', mountPath: '/credentials', readOnly: true },
];

// Every kind of the pinned velero CRD source (v1 and v2alpha1).
const VELERO_ALL = [
  'backups', 'backupstoragelocations', 'backuprepositories', 'deletebackuprequests', 'downloadrequests', 'podvolumebackups',
  'podvolumerestores', 'restores', 'schedules', 'serverstatusrequests', 'volumesnapshotlocations', 'datauploads', 'datadownloads',
];

/*
 * Upstream binds Velero to cluster-admin. Here the server can READ every resource (a backup has to
 * read whatever it backs up, Secrets included) and WRITE only velero.io objects and its own namespace.
 * A restore creates arbitrary objects: it runs under a temporary cluster-admin binding granted by the
 * restore runbook, never a standing one.
 */
const serverClusterRules: PolicyRule[] = [
  { apiGroups: ['*'], resources: ['*'], verbs: read },
  { apiGroups: ['velero.io'], resources: [...VELERO_ALL, ...VELERO_ALL.map((k) => `${k}/status`)], verbs: all },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
];
const serverRules: PolicyRule[] = [
  // velero-repo-credentials (kopia repository password), repository maintenance Jobs and their pods.
  { apiGroups: [''], resources: ['secrets', 'configmaps', 'pods'], verbs: all },
  { apiGroups: ['batch'], resources: ['jobs'], verbs: all },
];
const VELERO_KINDS = ['podvolumebackups', 'podvolumerestores', 'datauploads', 'datadownloads', 'backuprepositories', 'backupstoragelocations'];
const nodeAgentClusterRules: PolicyRule[] = [
  { apiGroups: ['velero.io'], resources: VELERO_KINDS, verbs: [...read, 'update', 'patch'] },
  { apiGroups: ['velero.io'], resources: VELERO_KINDS.map((k) => `${k}/status`), verbs: ['update', 'patch'] },
  { apiGroups: [''], resources: ['pods', 'persistentvolumeclaims', 'persistentvolumes', 'nodes'], verbs: read },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
];

export const service = defineService({
  name: 'velero',
  namespace: 'velero',
  layer: 'apps',
  description: 'Velero: scheduled backups of every stateful service (manifests + volumes via kopia) to MinIO',
  crds: { source: 'velero' },
  // INI file "[default]\naws_access_key_id=…\naws_secret_access_key=…" for MinIO's velero user.
  secrets: [{ name: CREDENTIALS, data: { cloud: 'velero/minio#cloud' } }],
  workloads: [
    {
      name: 'server',
      kind: 'Deployment',
      singleton: 'the Velero server has no leader election: a second replica would run every backup and schedule twice',
      image,
      command: ['/velero'],
      args: ['server', '--uploader-type=kopia', '--log-format=json', '--metrics-address=:8085'],
      env: { ...commonEnv, LD_LIBRARY_PATH: '/plugins' },
      ports: [{ name: 'metrics', port: 8085 }],
      probes,
      resources: byCluster(resources('200m/256Mi', '1/1Gi'), resources('200m/384Mi', '1/1Gi')),
      replicas: everywhere(1),
      initContainers: [
        {
          // The image's entrypoint copies the plugin binary into /target.
          name: 'velero-plugin-for-aws',
          image: awsPlugin,
          mounts: [{ name: 'plugins', mountPath: '/target' }],
          resources: resources('10m/32Mi', '100m/64Mi'),
        },
      ],
      volumes: [{ name: 'plugins', emptyDir: { sizeLimit: '256Mi' } }, ...commonVolumes],
      mounts: [{ name: 'plugins', mountPath: '/plugins' }, ...commonMounts],
      security: { runAsUser: NONROOT, runAsGroup: NONROOT },
      serviceAccount: { automountToken: true, rules: serverRules, clusterRules: serverClusterRules },
    },
    {
      name: 'node-agent',
      kind: 'DaemonSet',
      image,
      command: ['/velero'],
      args: ['node-agent', 'server', '--log-format=json', '--metrics-address=:8085'],
      env: { ...commonEnv, NODE_NAME: { fieldPath: 'spec.nodeName' } },
      ports: [{ name: 'metrics', port: 8085 }],
      probes,
      resources: everywhere(resources('100m/384Mi', '600m/1Gi')),
      volumes: [
        {
          name: 'host-pods',
          hostPath: { path: '/var/lib/kubelet/pods', reason: 'file-system backup (kopia) reads and restores pod volumes where the kubelet mounts them on each node' },
        },
        ...commonVolumes,
      ],
      mounts: [{ name: 'host-pods', mountPath: '/host_pods' }, ...commonMounts],
      tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }],
      // Volumes belong to many uids (PostgreSQL's data directory is 0700 uid 999): only root with the
      // DAC capabilities can read them for a backup and write them back with their owners on restore.
      security: {
        runAsUser: 0,
        runAsGroup: 0,
        rootReason: 'file-system backup reads and restores every pod volume, whatever uid owns the files',
        addCapabilities: [
          { name: 'DAC_READ_SEARCH', reason: 'read files and directories of any owner during a backup' },
          { name: 'DAC_OVERRIDE', reason: 'write restored files into directories of any owner' },
          { name: 'CHOWN', reason: 'restore files with their original owner' },
          { name: 'FOWNER', reason: 'restore permissions and timestamps of files it does not own' },
        ],
      },
      serviceAccount: {
        automountToken: true,
        rules: [{ apiGroups: [''], resources: ['secrets', 'configmaps'], verbs: read }],
        clusterRules: nodeAgentClusterRules,
      },
    },
  ],
  monitoring: { workload: 'server', port: 'metrics', path: '/metrics' },
  network: {
    // `monitoring` covers the server; the node agents' kopia metrics are scraped through their own ServiceMonitor.
    ingress: [{ workloads: ['node-agent'], peer: { service: 'prometheus' }, ports: ['metrics'] }],
    egress: [
      egress.kubeApi(),
      egress.minio(),
    ],
  },
  extraObjects: ({ namespace, service, backups }) => [
    // One Schedule per service that declares `backup` (vault, postgresql, grafana, loki, …).
    ...(backups ?? []).map((b) => backupSchedule(b)),
    serviceMonitorFor({ name: 'velero-node-agent', namespace, service }, selectorLabels(service, 'node-agent'), [{ port: 'metrics' }]),
    {
      apiVersion: 'velero.io/v1',
      kind: 'BackupStorageLocation',
      metadata: { name: 'default', namespace, labels: commonLabels(service) },
      spec: {
        provider: 'aws',
        default: true,
        objectStorage: { bucket: 'velero' },
        credential: { name: CREDENTIALS, key: 'cloud' },
        config: { region: 'minio', s3ForcePathStyle: 'true', s3Url: 'http://minio.data-platform.svc:9000' },
      },
    },
  ],
});
