import { INGRESS_NAMESPACE, MONITORING_NAMESPACE, workloadObjectName, type NetworkAllow, type NetworkPeer, type ServiceDefinition, type Workload } from '@carbon/platform';
import { commonLabels, obj, selectorLabels, type K8sObject } from './objects.ts';

const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];
export { INGRESS_NAMESPACE, MONITORING_NAMESPACE };

export type NamespaceOf = (service: string) => string | undefined;

function peerSelector(peer: NetworkPeer, namespaceOf: NamespaceOf): Record<string, unknown>[] {
  if (peer === 'internet') return [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE_RANGES } }];
  // The API server's address is not known to the generator; the policy allows its ports anywhere.
  if (peer === 'kube-apiserver') return [{ ipBlock: { cidr: '0.0.0.0/0' } }];
  if ('cidr' in peer) return [{ ipBlock: { cidr: peer.cidr, ...(peer.except ? { except: peer.except } : {}) } }];
  const ns = 'namespace' in peer ? peer.namespace : namespaceOf(peer.service!);
  const pods: Record<string, string> = {};
  if (peer.service) pods['app.kubernetes.io/name'] = peer.service;
  if (peer.service && peer.workload) pods['app.kubernetes.io/component'] = peer.workload;
  return [
    {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
      ...(Object.keys(pods).length ? { podSelector: { matchLabels: pods } } : {}),
    },
  ];
}

function ports(list: (number | string)[]): Record<string, unknown>[] {
  return list.map((p) => ({ protocol: 'TCP', port: p }));
}

function appliesTo(a: NetworkAllow, w: Workload): boolean {
  return !a.workloads || a.workloads.includes(w.name);
}

/**
 * One NetworkPolicy per workload on top of the namespace's default-deny: its own service's pods,
 * the ingress controller for public ports, Prometheus for the metrics port, and what the definition allows.
 */
export function buildNetworkPolicies(svc: ServiceDefinition, namespaceOf: NamespaceOf): K8sObject[] {
  return svc.workloads.map((w) => {
    const name = workloadObjectName(svc.name, w.name);
    const ingress: Record<string, unknown>[] = [];
    const egress: Record<string, unknown>[] = [];
    const own = [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': svc.name } } }];
    const allPorts = w.ports.map((p) => p.name);
    if (allPorts.length) ingress.push({ from: own, ports: ports(allPorts) });
    egress.push({ to: own });

    const publicPorts = (svc.public ?? []).filter((p) => p.workload === w.name).map((p) => p.port);
    if (publicPorts.length) {
      ingress.push({
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': INGRESS_NAMESPACE } } }],
        ports: ports([...new Set(publicPorts)]),
      });
    }
    if (svc.monitoring && 'workload' in svc.monitoring && svc.monitoring.workload === w.name) {
      ingress.push({
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': MONITORING_NAMESPACE } } }],
        ports: ports([svc.monitoring.port]),
      });
    }
    for (const a of svc.network?.ingress ?? []) if (appliesTo(a, w)) ingress.push({ from: peerSelector(a.peer, namespaceOf), ports: ports(a.ports) });
    for (const a of svc.network?.egress ?? []) if (appliesTo(a, w)) egress.push({ to: peerSelector(a.peer, namespaceOf), ports: ports(a.ports) });

    return obj('networking.k8s.io/v1', 'NetworkPolicy', { name, namespace: svc.namespace, labels: commonLabels(svc.name, w.name) }, {
      spec: { podSelector: { matchLabels: selectorLabels(svc.name, w.name) }, policyTypes: ['Ingress', 'Egress'], ingress, egress },
    });
  });
}
