import { defineService, type PolicyRule } from '@carbon/platform';

/**
 * The seeds' "RBAC least-privilege (4 roles)": people get one of these through their IdP group.
 * None is cluster-admin; none can read Secrets except platform-admin, and no role grants wildcards.
 */
const read = ['get', 'list', 'watch'];
const workloads = ['deployments', 'statefulsets', 'daemonsets', 'replicasets'];

const roles: Record<string, { group: string; rules: PolicyRule[] }> = {
  'platform-viewer': {
    group: 'platform:viewers',
    rules: [
      { apiGroups: [''], resources: ['pods', 'services', 'configmaps', 'persistentvolumeclaims', 'events', 'namespaces', 'nodes'], verbs: read },
      { apiGroups: ['apps'], resources: workloads, verbs: read },
      { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'networkpolicies'], verbs: read },
      { apiGroups: ['kustomize.toolkit.fluxcd.io', 'source.toolkit.fluxcd.io'], resources: ['kustomizations', 'gitrepositories'], verbs: read },
    ],
  },
  'platform-developer': {
    group: 'platform:developers',
    rules: [
      { apiGroups: [''], resources: ['pods', 'pods/log', 'services', 'configmaps', 'persistentvolumeclaims', 'events'], verbs: read },
      { apiGroups: [''], resources: ['pods/portforward'], verbs: ['create'] },
      { apiGroups: ['apps'], resources: workloads, verbs: read },
      { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: read },
    ],
  },
  'platform-operator': {
    group: 'platform:operators',
    rules: [
      { apiGroups: [''], resources: ['pods', 'pods/log', 'services', 'configmaps', 'persistentvolumeclaims', 'events', 'nodes'], verbs: read },
      { apiGroups: [''], resources: ['pods'], verbs: ['delete'] },
      { apiGroups: ['apps'], resources: workloads, verbs: read },
      { apiGroups: ['apps'], resources: ['deployments/scale', 'statefulsets/scale'], verbs: ['patch', 'update'] },
      { apiGroups: ['kustomize.toolkit.fluxcd.io', 'source.toolkit.fluxcd.io'], resources: ['kustomizations', 'gitrepositories'], verbs: [...read, 'patch'] },
      { apiGroups: ['velero.io'], resources: ['backups', 'restores', 'schedules'], verbs: [...read, 'create'] },
    ],
  },
  'platform-admin': {
    group: 'platform:admins',
    rules: [
      { apiGroups: ['', 'apps', 'batch', 'networking.k8s.io', 'policy', 'autoscaling'], resources: ['pods', 'pods/log', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'events', 'namespaces', 'nodes', ...workloads, 'jobs', 'cronjobs', 'ingresses', 'networkpolicies', 'poddisruptionbudgets', 'horizontalpodautoscalers'], verbs: [...read, 'patch', 'update', 'delete'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['patch'] },
      { apiGroups: ['kustomize.toolkit.fluxcd.io', 'source.toolkit.fluxcd.io'], resources: ['kustomizations', 'gitrepositories'], verbs: [...read, 'patch'] },
      { apiGroups: ['velero.io'], resources: ['backups', 'restores', 'schedules'], verbs: [...read, 'create', 'delete'] },
    ],
  },
};

export const service = defineService({
  name: 'platform-rbac',
  namespace: 'portal',
  layer: 'configs',
  description: 'ClusterRoles and group bindings for people: viewer, developer, operator, admin (never cluster-admin)',
  workloads: [],
  monitoring: { none: 'RBAC objects only' },
  extraObjects: () =>
    Object.entries(roles).flatMap(([name, r]) => {
      const labels = { 'app.kubernetes.io/name': 'platform-rbac', 'app.kubernetes.io/part-of': '254carbon' };
      return [
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels }, rules: r.rules },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name, labels },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: r.group }],
        },
      ];
    }),
});
