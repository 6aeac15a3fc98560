import type { NetworkAllow, NetworkPeer, ServiceDefinition } from './service.ts';

/**
 * Both sides of a network rule. Every namespace is default-deny both ways, so traffic from A to B
 * needs A's egress to B *and* B's ingress from A (buildNetworkPolicies renders one policy per
 * workload from exactly these declarations, plus its own pods, ingress-nginx on public ports and
 * the monitoring namespace on the metrics port). A rule declared on one side only passes every
 * schema and policy check and silently blocks the traffic. This lists those rules.
 *
 * Only peers named by service are compared (a namespace or CIDR peer has no other side to read);
 * a service without workloads of its own (operator-run pods, e.g. Prometheus) is skipped: its
 * pods' policies are not generated from its definition.
 */
export interface OneSidedRule {
  /** repo-relative definition file of the side that declares the rule */
  file: string;
  field: string;
  message: string;
}

const INGRESS_NAMESPACE = 'ingress-nginx';
const MONITORING_NAMESPACE = 'monitoring';

const peerService = (peer: NetworkPeer): string | undefined => (typeof peer === 'object' && 'service' in peer ? peer.service : undefined);

/** A port of `target` as a number when it names one of its workloads' ports; else as given. */
function resolvePort(target: ServiceDefinition, port: number | string): number | string {
  if (typeof port === 'number') return port;
  for (const w of target.workloads) for (const p of w.ports) if (p.name === port) return p.port;
  return port;
}

/** Whether `rule` (declared by `owner`) names `other` as its peer. */
function names(rule: NetworkAllow, other: ServiceDefinition): boolean {
  const p = rule.peer;
  if (typeof p !== 'object' || 'cidr' in p) return false;
  if ('namespace' in p && !p.service) return p.namespace === other.namespace;
  return p.service === other.name;
}

/** Ports of `target` the rules of `owner` in `dir` open towards `other`, resolved to numbers where named. */
function opened(owner: ServiceDefinition, dir: 'ingress' | 'egress', other: ServiceDefinition, target: ServiceDefinition): Set<number | string> {
  const out = new Set<number | string>();
  for (const r of owner.network?.[dir] ?? []) if (names(r, other)) for (const p of r.ports) out.add(resolvePort(target, p));
  if (dir === 'ingress') {
    // What buildNetworkPolicies adds by itself.
    if (other.namespace === INGRESS_NAMESPACE) for (const p of owner.public ?? []) out.add(resolvePort(owner, p.port));
    if (other.namespace === MONITORING_NAMESPACE && owner.monitoring && 'port' in owner.monitoring) out.add(resolvePort(owner, owner.monitoring.port));
  }
  return out;
}

export function oneSidedNetworkRules(services: readonly { definition: ServiceDefinition; file: string }[]): OneSidedRule[] {
  const byName = new Map(services.map((s) => [s.definition.name, s.definition]));
  const out: OneSidedRule[] = [];
  for (const { definition: a, file } of services) {
    if (!a.workloads.length) continue;
    for (const dir of ['egress', 'ingress'] as const) {
      const otherDir = dir === 'egress' ? 'ingress' : 'egress';
      (a.network?.[dir] ?? []).forEach((rule, i) => {
        const name = peerService(rule.peer);
        const b = name ? byName.get(name) : undefined;
        if (!b || b === a || !b.workloads.length) return;
        // The ports are always the receiving side's: B's for A's egress, A's own for A's ingress.
        const target = dir === 'egress' ? b : a;
        const have = opened(b, otherDir, a, target);
        const missing = rule.ports.filter((p) => !have.has(resolvePort(target, p)));
        if (!missing.length) return;
        const ports = missing.join(', ');
        out.push({
          file,
          field: `network.${dir}[${i}]`,
          message:
            dir === 'egress'
              ? `${a.name} allows egress to ${b.name} on ${ports}, but ${b.name} has no ingress from ${a.name} there: its default-deny drops the traffic (add { peer: { service: '${a.name}' }, ports: [${missing.map((p) => JSON.stringify(p)).join(', ')}] } to ${b.name}'s network.ingress, or remove this rule)`
              : `${a.name} allows ingress from ${b.name} on ${ports}, but ${b.name} has no egress to ${a.name} there: its default-deny drops the traffic (add the egress to ${b.name}'s network.egress, or remove this rule)`,
        });
      });
    }
  }
  return out;
}
