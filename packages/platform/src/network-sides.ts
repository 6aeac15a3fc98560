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
  /** The other side: its definition file, the list to add to and the rule that makes the traffic flow. */
  peer: { service: string; file: string; field: 'network.ingress' | 'network.egress'; add: string };
}

/** The namespaces whose traffic buildNetworkPolicies (@carbon/manifests) allows by itself: ingress to public ports, scrapes of the metrics port. */
export const INGRESS_NAMESPACE = 'ingress-nginx';
export const MONITORING_NAMESPACE = 'monitoring';

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
  const fileOf = new Map(services.map((s) => [s.definition.name, s.file]));
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
        const peerField = `network.${otherDir}` as const;
        // The peer's rule names this service; the ports are the receiver's, so they read the same on both sides.
        // An egress to one workload of B needs B's ingress on that workload only.
        const only = dir === 'egress' && typeof rule.peer === 'object' && 'workload' in rule.peer && rule.peer.workload ? `workloads: ['${rule.peer.workload}'], ` : '';
        const add = `{ ${only}peer: { service: '${a.name}' }, ports: [${missing.map((p) => JSON.stringify(resolvePort(target, p)).replace(/"/g, "'")).join(', ')}] }`;
        const peer = { service: b.name, file: fileOf.get(b.name)!, field: peerField, add };
        out.push({
          file,
          field: `network.${dir}[${i}]`,
          message:
            dir === 'egress'
              ? `${a.name} allows egress to ${b.name} on ${ports}, but ${b.name} has no ingress from ${a.name} there: its default-deny drops the traffic (add ${add} to ${b.name}'s network.ingress in ${peer.file}, or remove this rule)`
              : `${a.name} allows ingress from ${b.name} on ${ports}, but ${b.name} has no egress to ${a.name} there: its default-deny drops the traffic (add ${add} to ${b.name}'s network.egress in ${peer.file}, or remove this rule)`,
          peer,
        });
      });
    }
  }
  return out;
}

/**
 * Where `network.<dir>[index]` is written in a definition's source: 1-based line and column of the
 * rule's opening brace, found by scanning the text (strings and comments skipped) for the
 * `network` property, then its `<dir>` array, then the index-th element (a literal or a preset call).
 * After a spread, or for a list built by a function, the count is not in the text: then the line of
 * the `<dir>` key, or of `network`, or nothing.
 */
export function locateNetworkRule(source: string, dir: 'ingress' | 'egress', index: number): { line: number; column: number } | undefined {
  const at = (offset: number) => {
    const before = source.slice(0, offset);
    return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
  };
  const network = /(^|[\s{,])network\s*:\s*\{/m.exec(source);
  if (!network) return undefined;
  const start = network.index + network[0].length;
  const key = new RegExp(`(^|[\\s{,])${dir}\\s*:\\s*\\[`, 'm').exec(source.slice(start));
  if (!key) return at(network.index + network[1]!.length);
  const open = start + key.index + key[0].length;
  // Walk the array: top-level elements start after '[' or ','; count those that open with '{'.
  let depth = 0;
  let element = 0;
  let expectElement = true;
  for (let i = open; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === '/' && source[i + 1] === '/') {
      i = source.indexOf('\n', i);
      if (i < 0) break;
      continue;
    }
    if (ch === '/' && source[i + 1] === '*') {
      i = source.indexOf('*/', i + 2) + 1;
      if (i <= 0) break;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') {
      for (i++; i < source.length && source[i] !== ch; i++) if (source[i] === '\\') i++;
      expectElement = false;
      continue;
    }
    if (/\s/.test(ch)) continue;
    if (depth === 0 && expectElement) {
      if (ch === ']') break;
      if (source.startsWith('...', i)) return at(start + key.index + key[1]!.length); // a spread: how many rules it adds is not in the text
      if (element === index) return at(i); // a literal rule or a preset call (egress.postgresql())
      element++;
    }
    expectElement = false;
    if (ch === '{' || ch === '[' || ch === '(') depth++;
    else if (ch === '}' || ch === ')') depth--;
    else if (ch === ']') {
      if (depth === 0) break;
      depth--;
    } else if (ch === ',' && depth === 0) expectElement = true;
  }
  return at(start + key.index + key[1]!.length);
}
