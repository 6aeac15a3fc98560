import type { K8sObject, RiskLevel } from './types.ts';

/**
 * Privilege changes of a pod template (or a ServiceAccount) between two revisions: root, privileged,
 * privilege escalation, added capabilities, host namespaces and paths, a writable root filesystem,
 * a ServiceAccount token newly mounted. For an added object (no base) only explicit grants count
 * (a new workload that asks for root, host access or capabilities).
 */
export interface PrivilegeRisk {
  level: RiskLevel;
  message: string;
  reason: string;
}

type Rec = Record<string, any>;

/** Capabilities that amount to (or come close to) root on the node. */
const DANGEROUS_CAPS = new Set(['ALL', 'SYS_ADMIN', 'NET_ADMIN', 'SYS_PTRACE', 'SYS_MODULE', 'SYS_RAWIO', 'DAC_READ_SEARCH', 'DAC_OVERRIDE', 'BPF', 'PERFMON', 'SYS_BOOT', 'MKNOD', 'SETUID', 'SETGID', 'CHOWN', 'FOWNER']);

function podSpecOf(o: K8sObject | undefined): Rec | undefined {
  const spec = (o as Rec | undefined)?.spec;
  const t = spec?.template?.spec ?? spec?.jobTemplate?.spec?.template?.spec;
  return t && typeof t === 'object' ? t : undefined;
}

function containersOf(spec: Rec | undefined): Map<string, Rec> {
  const out = new Map<string, Rec>();
  for (const field of ['initContainers', 'containers']) for (const c of (spec?.[field] as Rec[] | undefined) ?? []) out.set(String(c.name), c);
  return out;
}

/** The effective user stance of a container: explicit root, enforced non-root, or whatever the image says. */
function userOf(pod: Rec, c: Rec): 'root' | 'non-root' | 'image default' {
  const uid = c.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
  if (uid === 0) return 'root';
  const nonRoot = c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
  if (nonRoot === true || (typeof uid === 'number' && uid > 0)) return 'non-root';
  return 'image default';
}

function describeUser(pod: Rec, c: Rec): string {
  const uid = c.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
  const nonRoot = c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
  return [nonRoot !== undefined ? `runAsNonRoot ${nonRoot}` : undefined, uid !== undefined ? `runAsUser ${uid}` : undefined].filter(Boolean).join(', ') || 'no user set';
}

const hostPaths = (spec: Rec | undefined): Set<string> => new Set(((spec?.volumes as Rec[] | undefined) ?? []).filter((v) => v.hostPath).map((v) => String(v.hostPath.path)));

export function privilegeRisks(before: K8sObject | undefined, after: K8sObject | undefined, kind: string): PrivilegeRisk[] {
  const out: PrivilegeRisk[] = [];
  const add = (level: RiskLevel, message: string, reason: string) => out.push({ level, message, reason });
  if (!after) return out;

  if (kind === 'ServiceAccount') {
    const was = (before as Rec | undefined)?.automountServiceAccountToken;
    const now = (after as Rec).automountServiceAccountToken;
    if (before && was === false && now !== false) add('medium', `automountServiceAccountToken false → ${now ?? 'unset (true)'}: pods of this account get an API token`, 'Every pod using the account can call the Kubernetes API with its permissions; a compromised pod can too.');
    return out;
  }

  const podB = podSpecOf(before);
  const podA = podSpecOf(after);
  if (!podA) return out;
  const isNew = !podB;
  const pb: Rec = podB ?? {};

  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (podA[field] === true && pb[field] !== true) add('high', `${field}: true${isNew ? '' : ` (was ${pb[field] ?? 'unset'})`}`, `The pod shares the node's ${field === 'hostNetwork' ? 'network (NetworkPolicy no longer applies, node ports are reachable)' : field === 'hostPID' ? 'process table (it can see and signal every process on the node)' : 'IPC namespace'}.`);
  }
  const pathsB = hostPaths(podB);
  const newPaths = [...hostPaths(podA)].filter((p) => !pathsB.has(p));
  if (newPaths.length) add('high', `hostPath volume${newPaths.length === 1 ? '' : 's'} ${newPaths.join(', ')}`, 'The pod reads (and unless read-only, writes) the node filesystem.');
  if (!isNew && pb.automountServiceAccountToken === false && podA.automountServiceAccountToken !== false) {
    add('medium', `automountServiceAccountToken false → ${podA.automountServiceAccountToken ?? 'unset (the ServiceAccount decides; default true)'}: the pod gets an API token`, 'A compromised pod can call the Kubernetes API with its ServiceAccount permissions.');
  }

  const cb = containersOf(podB);
  for (const [name, c] of containersOf(podA)) {
    const old = cb.get(name);
    const sc: Rec = c.securityContext ?? {};
    const osc: Rec = old?.securityContext ?? {};
    const fresh = !old;
    const userNow = userOf(podA, c);
    const userWas = old ? userOf(pb, old) : undefined;
    if (userNow === 'root' && userWas !== 'root') add('high', `${name} runs as root (${userWas ? `${describeUser(pb, old!)} → ` : ''}${describeUser(podA, c)})`, 'A process running as root that escapes its container is root on the node.');
    else if (userWas === 'non-root' && userNow === 'image default') add('medium', `${name} no longer enforces non-root (${describeUser(pb, old!)} → ${describeUser(podA, c)}): the image decides, which may be root`, 'Without runAsNonRoot an image that runs as root is admitted.');
    if (sc.privileged === true && osc.privileged !== true) add('high', `${name} privileged: true`, 'A privileged container has every capability and all host devices: it is root on the node.');
    const escNow = sc.allowPrivilegeEscalation;
    const escWas = osc.allowPrivilegeEscalation;
    if (escNow === true && escWas !== true) add('medium', `${name} allowPrivilegeEscalation: true`, 'setuid binaries inside the container can gain more privileges than the process started with.');
    else if (!fresh && escWas === false && escNow === undefined) add('medium', `${name} allowPrivilegeEscalation false → unset (allowed)`, 'setuid binaries inside the container can gain more privileges than the process started with.');
    const capsWas = new Set<string>(((osc.capabilities?.add as string[] | undefined) ?? []).map((x) => x.replace(/^CAP_/, '')));
    const added = ((sc.capabilities?.add as string[] | undefined) ?? []).map((x) => x.replace(/^CAP_/, '')).filter((x) => !capsWas.has(x));
    if (added.length) add(added.some((x) => DANGEROUS_CAPS.has(x)) ? 'high' : 'medium', `${name} adds capabilit${added.length === 1 ? 'y' : 'ies'} ${added.join(', ')}`, 'Added Linux capabilities give the process kernel privileges beyond an ordinary user (SYS_ADMIN, DAC_OVERRIDE, CHOWN, … approach root).');
    const dropsWas = new Set<string>((osc.capabilities?.drop as string[] | undefined) ?? []);
    const dropsNow = new Set<string>((sc.capabilities?.drop as string[] | undefined) ?? []);
    if (!fresh && dropsWas.has('ALL') && !dropsNow.has('ALL')) add('medium', `${name} no longer drops ALL capabilities`, 'The container keeps the runtime default capabilities (NET_RAW, CHOWN, SETUID, …).');
    if (!fresh && osc.readOnlyRootFilesystem === true && sc.readOnlyRootFilesystem !== true) add('medium', `${name} root filesystem becomes writable (readOnlyRootFilesystem true → ${sc.readOnlyRootFilesystem ?? 'unset'})`, 'An intruder can drop tools into the container and change its binaries.');
  }
  return out;
}
