import { parseBytes, parseCpu } from '@carbon/platform';
import { podTemplateOf, type Container } from '../pods.ts';
import type { Check } from '../types.ts';

const SECRETISH = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY)/i;
const SAFE_SECRET_SHAPE = /^(\$\(|\$\{|\/|file:|https?:\/\/)/; // references and paths, not credentials
/** Names that sit next to a credential but are not one (a user name, where to find the secret). */
const NOT_SECRET_NAME = /(_USER|_USERNAME|_NAME|_URL|_URI|_HOST|_PORT|_PATH|_FILE|_DIR|_ENDPOINT|_REF|_ENABLED|_TTL|_EXPIRY|_KEY_ID)$/i;

/** Security, supply chain, reliability, efficiency and env hygiene: one pass over every pod template. */
export const workloadChecks: Check = (view, emit) => {
  for (const ro of view.objects) {
    const t = podTemplateOf(ro);
    if (!t) continue;
    const o = ro.object as Record<string, any>;
    const spec = t.spec;
    const at = (...p: (string | number)[]) => [...t.path, ...p];
    const podSc = spec.securityContext ?? {};
    const all: { c: Container; list: 'containers' | 'initContainers'; i: number }[] = [
      ...((spec.containers ?? []) as Container[]).map((c, i) => ({ c, list: 'containers' as const, i })),
      ...((spec.initContainers ?? []) as Container[]).map((c, i) => ({ c, list: 'initContainers' as const, i })),
    ];

    // Pod-level: host namespaces, hostPath, token automount.
    for (const k of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (spec[k] === true) emit('SEC008', ro, `${k}: true shares the node's namespace`, at(k));
    ((spec.volumes ?? []) as Record<string, any>[]).forEach((v, i) => {
      if (v.hostPath) emit('SEC007', ro, `volume "${v.name}" mounts hostPath ${v.hostPath.path}`, at('volumes', i));
    });
    if (spec.automountServiceAccountToken !== false) {
      const saName = spec.serviceAccountName ?? 'default';
      const sa = view.objects.find((x) => x.object.kind === 'ServiceAccount' && x.object.metadata?.name === saName && (x.object.metadata?.namespace ?? 'default') === (o.metadata?.namespace ?? 'default'));
      if ((sa?.object as any)?.automountServiceAccountToken !== false) emit('SEC010', ro, `pod automounts the token of ServiceAccount "${saName}"`, at('automountServiceAccountToken'));
    }
    const podSeccomp = podSc.seccompProfile?.type;

    for (const { c, list, i } of all) {
      const cp = (...p: (string | number)[]) => at(list, i, ...p);
      const sc = c.securityContext ?? {};
      const name = `container "${c.name}"`;
      const nonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
      const uid = sc.runAsUser ?? podSc.runAsUser;
      if (nonRoot !== true || uid === 0) emit('SEC001', ro, `${name} may run as root (runAsNonRoot is ${nonRoot === undefined ? 'unset' : String(nonRoot)}${uid === 0 ? ', runAsUser 0' : ''})`, cp('securityContext'));
      if (sc.readOnlyRootFilesystem !== true) emit('SEC002', ro, `${name} has a writable root filesystem`, cp('securityContext'));
      if (sc.privileged === true) emit('SEC003', ro, `${name} is privileged`, cp('securityContext', 'privileged'));
      if (sc.allowPrivilegeEscalation !== false) emit('SEC004', ro, `${name} allows privilege escalation`, cp('securityContext'));
      const drop: string[] = sc.capabilities?.drop ?? [];
      const addCaps: string[] = sc.capabilities?.add ?? [];
      if (!drop.map((d) => d.toUpperCase()).includes('ALL')) emit('SEC005', ro, `${name} does not drop ALL capabilities`, cp('securityContext'));
      const extra = addCaps.filter((a) => a.toUpperCase().replace(/^CAP_/, '') !== 'NET_BIND_SERVICE');
      if (extra.length) emit('SEC005', ro, `${name} adds capabilities ${extra.join(', ')}`, cp('securityContext', 'capabilities', 'add'));
      const seccomp = sc.seccompProfile?.type ?? podSeccomp;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') emit('SEC006', ro, `${name} has no seccomp profile (RuntimeDefault)`, cp('securityContext'));
      ((c.ports ?? []) as Record<string, any>[]).forEach((p, pi) => {
        if (p.hostPort) emit('SEC009', ro, `${name} binds hostPort ${p.hostPort}`, cp('ports', pi, 'hostPort'));
      });
      const seen = new Set<string>();
      ((c.env ?? []) as Record<string, any>[]).forEach((e, ei) => {
        if (seen.has(e.name)) emit('HYG002', ro, `${name} sets env ${e.name} more than once`, cp('env', ei));
        seen.add(e.name);
        // The value is never echoed: the message names the variable only.
        if (typeof e.value === 'string' && e.value !== '' && SECRETISH.test(e.name) && !NOT_SECRET_NAME.test(e.name) && !SAFE_SECRET_SHAPE.test(e.value)) emit('SEC011', ro, `${name} env ${e.name} holds a literal value (a credential in git)`, cp('env', ei, 'value'));
      });

      // Supply chain.
      const image = String(c.image ?? '');
      const { registry, tag, digest } = parseImage(image);
      if (view.registry && registry !== view.registry) emit('SUP001', ro, `${name} image ${image} is not from ${view.registry}`, cp('image'));
      if (!digest && !tag) emit('SUP002', ro, `${name} image ${image} has no tag or digest`, cp('image'));
      if (!digest && tag === 'latest') emit('SUP003', ro, `${name} image ${image} uses latest`, cp('image'));

      // Efficiency (init containers included: the scheduler counts them).
      const req = c.resources?.requests ?? {};
      const lim = c.resources?.limits ?? {};
      const missingReq = ['cpu', 'memory'].filter((k) => req[k] === undefined);
      if (missingReq.length) emit('EFF001', ro, `${name} has no ${missingReq.join('/')} request`, cp('resources'));
      const missingLim = ['cpu', 'memory'].filter((k) => lim[k] === undefined);
      if (missingLim.length) emit('EFF002', ro, `${name} has no ${missingLim.join('/')} limit`, cp('resources'));
      for (const [k, parse] of [
        ['cpu', parseCpu],
        ['memory', parseBytes],
      ] as const) {
        if (req[k] === undefined || lim[k] === undefined) continue;
        try {
          if ((parse as (v: string) => number)(lim[k]) < (parse as (v: string) => number)(req[k])) emit('EFF003', ro, `${name} ${k} limit ${lim[k]} is below its request ${req[k]}`, cp('resources', 'limits', k));
        } catch {
          /* unparseable quantities are the schema check's job */
        }
      }

      // Reliability: probes on long-running containers only.
      if (list === 'containers' && ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind)) {
        if (!c.livenessProbe) emit('REL001', ro, `${name} has no liveness probe`, cp());
        if (!c.readinessProbe) emit('REL002', ro, `${name} has no readiness probe`, cp());
      }
    }

    // Selector vs template labels.
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(o.kind)) {
      const ml: Record<string, string> = o.spec?.selector?.matchLabels ?? {};
      const bad = Object.entries(ml).filter(([k, v]) => t.labels[k] !== v);
      if (!o.spec?.selector || bad.length) emit('REL003', ro, `selector ${bad.map(([k, v]) => `${k}=${v}`).join(', ') || '(missing)'} does not match the pod template labels`, ['spec', 'selector']);
    }
    if (o.kind === 'Deployment') {
      const replicas = Number(o.spec?.replicas ?? 1);
      const st = o.spec?.strategy ?? {};
      const mu = st.rollingUpdate?.maxUnavailable;
      const allDown = mu !== undefined && (mu === '100%' || (typeof mu === 'number' && mu >= replicas));
      if (st.type === 'Recreate' && replicas > 1) emit('REL006', ro, `strategy Recreate stops all ${replicas} replicas on each rollout`, ['spec', 'strategy']);
      else if (allDown && replicas > 1) emit('REL006', ro, `rollingUpdate.maxUnavailable ${mu} takes all ${replicas} replicas down`, ['spec', 'strategy']);
    }
  }
};

/** registry host, tag and digest of an image reference (Docker's rules: the first part is a host when it has a dot, colon or is localhost). */
export function parseImage(image: string): { registry: string; repository: string; tag?: string; digest?: string } {
  const [rest, digest] = image.split('@') as [string, string | undefined];
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  const hasHost = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasHost ? first : 'docker.io';
  const path = hasHost ? rest.slice(slash + 1) : rest;
  const colon = path.lastIndexOf(':');
  const tag = colon >= 0 ? path.slice(colon + 1) : undefined;
  const repository = colon >= 0 ? path.slice(0, colon) : path;
  return { registry, repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}
