import type { ClusterFacts, NetworkPeer, ServiceDefinition, Workload } from '@carbon/platform';
import { buildNetworkPolicies, type NamespaceOf } from './network.ts';
import { commonLabels, obj, type K8sObject } from './objects.ts';
import { buildWorkload, shortHash } from './workload.ts';

/**
 * A one-shot task of a service (schema migration, index setup): the same hardened pod as a workload
 * (non-root, read-only root, dropped capabilities, own ServiceAccount and ConfigMap, own NetworkPolicy),
 * run by a Job instead of a controller that keeps it alive.
 */
export interface OneShot {
  /** Component name; the Job is `<service>-<name>-<hash>`, so a changed image or command runs it again. */
  name: string;
  /** The pod: a workload definition whose probes and replicas are ignored. */
  pod: Omit<Workload, 'kind' | 'probes' | 'replicas' | 'autoscale' | 'storage' | 'singleton' | 'ports'> & { ports?: Workload['ports'] };
  /** Network allows of the task's pod (egress to its database etc.); ingress is none. */
  egress: { peer: NetworkPeer; ports: (number | string)[] }[];
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
}

/** Builds a one-shot Job for `svc` on `cluster` from the pod a workload would get. Use it from `extraObjects`. */
export function buildJob(svc: ServiceDefinition, task: OneShot, cluster: ClusterFacts, namespaceOf: NamespaceOf): K8sObject[] {
  const workload: Workload = {
    ...task.pod,
    name: task.name,
    kind: 'Deployment',
    ports: task.pod.ports ?? [],
    probes: { liveness: { exec: ['true'] }, readiness: { exec: ['true'] } },
    replicas: { default: 1 },
  };
  const built = buildWorkload(svc, workload, cluster);
  const deployment = built.find((o) => o.kind === 'Deployment');
  if (!deployment) throw new Error(`buildJob: no pod template for ${svc.name}/${task.name}`);
  const template = structuredClone((deployment.spec as { template: { spec: Record<string, unknown> } }).template);
  const containers = template.spec.containers as Record<string, unknown>[];
  for (const c of containers) {
    delete c.livenessProbe;
    delete c.readinessProbe;
  }
  template.spec.restartPolicy = 'OnFailure';
  delete template.spec.topologySpreadConstraints;

  // Job templates are immutable: the name carries a hash of the pod so a new version is a new Job.
  const hash = shortHash(JSON.stringify(template)).slice(0, 6);
  const name = `${svc.name}-${task.name}-${hash}`;
  const labels = commonLabels(svc.name, task.name);
  const job = obj('batch/v1', 'Job', { name, namespace: svc.namespace, labels }, {
    spec: {
      backoffLimit: task.backoffLimit ?? 6,
      ...(task.activeDeadlineSeconds ? { activeDeadlineSeconds: task.activeDeadlineSeconds } : {}),
      template,
    },
  });
  const keep = built.filter((o) => o.kind === 'ServiceAccount' || o.kind === 'ConfigMap' || o.kind === 'Role' || o.kind === 'RoleBinding');
  const policies = buildNetworkPolicies(
    { ...svc, workloads: [workload], public: [], monitoring: { none: 'one-shot task' }, network: { egress: task.egress } },
    namespaceOf,
  );
  return [...keep, job, ...policies];
}
