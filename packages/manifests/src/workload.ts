import {
  forCluster,
  type ClusterFacts,
  type EnvFromSecret,
  type Probe,
  type PublicRoute,
  type ServiceDefinition,
  type Workload,
  workloadObjectName,
} from '@carbon/platform';
import { mirrorImage } from './image.ts';
import { commonLabels, obj, selectorLabels, type K8sObject } from './objects.ts';

const HOSTNAME = 'kubernetes.io/hostname';

function probe(p: Probe): Record<string, unknown> {
  const timing = {
    initialDelaySeconds: p.initialDelaySeconds ?? 10,
    periodSeconds: p.periodSeconds ?? 10,
    timeoutSeconds: 5,
    failureThreshold: p.failureThreshold ?? 3,
  };
  if ('http' in p) return { httpGet: { path: p.http, port: p.port, scheme: p.scheme ?? 'HTTP' }, ...timing };
  if ('tcp' in p) return { tcpSocket: { port: p.tcp }, ...timing };
  return { exec: { command: p.exec }, ...timing };
}

function envVar(name: string, v: string | EnvFromSecret | { fieldPath: string }): Record<string, unknown> {
  if (typeof v === 'string') return { name, value: v };
  if ('fieldPath' in v) return { name, valueFrom: { fieldRef: { fieldPath: v.fieldPath } } };
  return { name, valueFrom: { secretKeyRef: { name: v.secret, key: v.key } } };
}

/** Replicas the workload runs with on this cluster (HPA minimum when autoscaled). */
export function replicasFor(w: Workload, cluster: string): number {
  const hpa = forCluster(w.autoscale, cluster);
  if (hpa) return hpa.min;
  return forCluster(w.replicas, cluster) ?? 1;
}

/** Pods of a workload are spread across nodes when there is more than one node and more than one pod. */
function spreads(w: Workload, cluster: ClusterFacts): boolean {
  if (w.kind === 'DaemonSet' || cluster.nodes.length < 2) return false;
  const hpa = forCluster(w.autoscale, cluster.name);
  return replicasFor(w, cluster.name) > 1 || (hpa ? hpa.max > 1 : false);
}

export function buildWorkload(svc: ServiceDefinition, w: Workload, cluster: ClusterFacts, routes: PublicRoute[] = []): K8sObject[] {
  const name = workloadObjectName(svc.name, w.name);
  const ns = svc.namespace;
  const labels = commonLabels(svc.name, w.name);
  const selector = selectorLabels(svc.name, w.name);
  const out: K8sObject[] = [];
  const res = forCluster(w.resources, cluster.name)!;
  const sec = w.security;
  const readOnlyRoot = sec.readOnlyRootFilesystem !== false;

  // One ServiceAccount per workload; the API token is mounted only when the workload talks to the API.
  const automount = w.serviceAccount?.automountToken === true;
  out.push(obj('v1', 'ServiceAccount', { name, namespace: ns, labels }, { automountServiceAccountToken: automount }));
  if (w.serviceAccount?.rules?.length) {
    out.push(obj('rbac.authorization.k8s.io/v1', 'Role', { name, namespace: ns, labels }, { rules: w.serviceAccount.rules }));
    out.push(
      obj('rbac.authorization.k8s.io/v1', 'RoleBinding', { name, namespace: ns, labels }, {
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
      }),
    );
  }
  if (w.serviceAccount?.clusterRules?.length) {
    out.push(obj('rbac.authorization.k8s.io/v1', 'ClusterRole', { name, labels }, { rules: w.serviceAccount.clusterRules }));
    out.push(
      obj('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', { name, labels }, {
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
      }),
    );
  }

  const volumes: Record<string, unknown>[] = [];
  const mounts: Record<string, unknown>[] = [];
  if (w.config) {
    // ConfigMap keys cannot hold "/": nested files are stored flat and mapped back to their paths.
    const raw = typeof w.config.files === 'function' ? w.config.files({ cluster, namespace: ns, service: svc.name, publicRoutes: routes }) : w.config.files;
    const files = sortedRecord(raw);
    const keyOf = (path: string) => path.replace(/\//g, '__');
    const nested = Object.keys(files).some((p) => p.includes('/'));
    out.push(obj('v1', 'ConfigMap', { name: `${name}-config`, namespace: ns, labels }, { data: Object.fromEntries(Object.entries(files).map(([p, t]) => [keyOf(p), t])) }));
    volumes.push({
      name: 'config',
      configMap: { name: `${name}-config`, ...(nested ? { items: Object.keys(files).map((p) => ({ key: keyOf(p), path: p })) } : {}) },
    });
    mounts.push({ name: 'config', mountPath: w.config.mountPath, readOnly: true });
  }
  if (readOnlyRoot) {
    volumes.push({ name: 'tmp', emptyDir: { sizeLimit: '256Mi' } });
    mounts.push({ name: 'tmp', mountPath: '/tmp' });
  }
  for (const v of w.volumes ?? []) {
    if ('emptyDir' in v) volumes.push({ name: v.name, emptyDir: v.emptyDir });
    else if ('configMap' in v) volumes.push({ name: v.name, configMap: { name: v.configMap, ...(v.items ? { items: v.items } : {}) } });
    else if ('secret' in v) volumes.push({ name: v.name, secret: { secretName: v.secret } });
    else volumes.push({ name: v.name, hostPath: { path: v.hostPath.path, type: v.hostPath.type ?? 'Directory' } });
  }
  for (const m of w.mounts ?? []) mounts.push({ ...m });
  for (const s of w.storage ?? []) mounts.push({ name: s.name, mountPath: s.mountPath });

  const container: Record<string, unknown> = {
    name: w.name,
    image: mirrorImage(w.image, cluster).mirror,
    imagePullPolicy: 'IfNotPresent',
    ...(w.command ? { command: w.command } : {}),
    ...(w.args ? { args: typeof w.args === 'function' ? w.args({ mirror: (ref) => mirrorImage(ref, cluster).mirror }) : w.args } : {}),
    ports: w.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol ?? 'TCP' })),
    ...(w.env && Object.keys(w.env).length
      ? { env: Object.entries(w.env).map(([k, v]) => envVar(k, v)) }
      : {}),
    resources: { requests: { ...res.requests }, limits: { ...res.limits } },
    livenessProbe: probe(w.probes.liveness),
    readinessProbe: probe(w.probes.readiness),
    ...(w.probes.startup ? { startupProbe: probe(w.probes.startup) } : {}),
    securityContext: {
      runAsNonRoot: sec.runAsUser !== 0,
      runAsUser: sec.runAsUser,
      ...(sec.runAsGroup !== undefined ? { runAsGroup: sec.runAsGroup } : {}),
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: readOnlyRoot,
      privileged: false,
      capabilities: {
        drop: ['ALL'],
        ...(sec.addCapabilities?.length ? { add: sec.addCapabilities.map((c) => c.name) } : {}),
      },
    },
    ...(mounts.length ? { volumeMounts: mounts } : {}),
  };
  // Init containers share the pod's volumes and get the same hardened container context (no ports, no probes).
  const initContainers = (w.initContainers ?? []).map((ic) => ({
    name: ic.name,
    image: mirrorImage(ic.image, cluster).mirror,
    imagePullPolicy: 'IfNotPresent',
    ...(ic.command ? { command: ic.command } : {}),
    ...(ic.args ? { args: ic.args } : {}),
    resources: { requests: { ...ic.resources.requests }, limits: { ...ic.resources.limits } },
    securityContext: container.securityContext,
    ...(ic.mounts?.length ? { volumeMounts: ic.mounts.map((m) => ({ ...m })) } : {}),
  }));
  const seccomp = typeof sec.seccomp === 'object' ? { type: 'Unconfined' } : { type: 'RuntimeDefault' };

  const podAnnotations: Record<string, string> = {};
  const configMap = out.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `${name}-config`);
  if (configMap) podAnnotations['platform.254carbon.com/config-hash'] = shortHash(JSON.stringify(configMap.data));
  if (w.singleton) podAnnotations['platform.254carbon.com/singleton-reason'] = w.singleton;
  if (sec.rootReason) podAnnotations['platform.254carbon.com/root-reason'] = sec.rootReason;
  if (sec.writableRootReason) podAnnotations['platform.254carbon.com/writable-root-reason'] = sec.writableRootReason;
  if (typeof sec.seccomp === 'object') podAnnotations['platform.254carbon.com/seccomp-unconfined-reason'] = sec.seccomp.unconfined;

  const podSpec: Record<string, unknown> = {
    serviceAccountName: name,
    automountServiceAccountToken: automount,
    securityContext: {
      runAsNonRoot: sec.runAsUser !== 0,
      runAsUser: sec.runAsUser,
      ...(sec.runAsGroup !== undefined ? { runAsGroup: sec.runAsGroup } : {}),
      ...(sec.fsGroup !== undefined ? { fsGroup: sec.fsGroup } : {}),
      seccompProfile: seccomp,
    },
    ...(w.hostNetwork ? { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } : {}),
    ...(w.priorityClassName ? { priorityClassName: w.priorityClassName } : {}),
    ...(w.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: w.terminationGracePeriodSeconds } : {}),
    ...(w.tolerations?.length ? { tolerations: w.tolerations } : {}),
    ...(spreads(w, cluster)
      ? {
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: HOSTNAME, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: selector } },
          ],
        }
      : {}),
    ...(initContainers.length ? { initContainers } : {}),
    containers: [container],
    ...(volumes.length ? { volumes } : {}),
  };
  const template = {
    metadata: { labels: { ...labels }, ...(Object.keys(podAnnotations).length ? { annotations: podAnnotations } : {}) },
    spec: podSpec,
  };

  const hpa = forCluster(w.autoscale, cluster.name) ?? null;
  const replicas = forCluster(w.replicas, cluster.name) ?? 1;
  const servicePorts = w.ports.filter((p) => !p.internal);

  if (w.kind === 'Deployment') {
    out.push(
      obj('apps/v1', 'Deployment', { name, namespace: ns, labels }, {
        spec: {
          // With an HPA the replica count belongs to the autoscaler: Flux must not reset it.
          ...(hpa ? {} : { replicas }),
          revisionHistoryLimit: 5,
          selector: { matchLabels: selector },
          strategy: { type: 'RollingUpdate', rollingUpdate: replicas > 1 || hpa ? { maxUnavailable: 0, maxSurge: 1 } : { maxUnavailable: 1, maxSurge: 0 } },
          template,
        },
      }),
    );
  } else if (w.kind === 'StatefulSet') {
    out.push(
      obj('v1', 'Service', { name: `${name}-headless`, namespace: ns, labels }, {
        spec: {
          clusterIP: 'None',
          publishNotReadyAddresses: true,
          selector,
          ports: w.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: p.protocol ?? 'TCP' })),
        },
      }),
    );
    out.push(
      obj('apps/v1', 'StatefulSet', { name, namespace: ns, labels }, {
        spec: {
          ...(hpa ? {} : { replicas }),
          serviceName: `${name}-headless`,
          podManagementPolicy: 'OrderedReady',
          revisionHistoryLimit: 5,
          selector: { matchLabels: selector },
          updateStrategy: { type: 'RollingUpdate' },
          template,
          ...(w.storage?.length
            ? {
                volumeClaimTemplates: w.storage.map((s) => ({
                  metadata: { name: s.name, labels: { ...selector } },
                  spec: {
                    accessModes: [s.accessMode ?? 'ReadWriteOnce'],
                    resources: { requests: { storage: forCluster(s.size, cluster.name)! } },
                  },
                })),
              }
            : {}),
        },
      }),
    );
  } else {
    out.push(
      obj('apps/v1', 'DaemonSet', { name, namespace: ns, labels }, {
        spec: {
          revisionHistoryLimit: 5,
          selector: { matchLabels: selector },
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
          template,
        },
      }),
    );
  }

  if (servicePorts.length && !w.hostNetwork) {
    out.push(
      obj('v1', 'Service', { name, namespace: ns, labels }, {
        spec: {
          type: 'ClusterIP',
          selector,
          ports: servicePorts.map((p) => ({ name: p.name, port: p.servicePort ?? p.port, targetPort: p.name, protocol: p.protocol ?? 'TCP' })),
        },
      }),
    );
  }

  const minPods = replicasFor(w, cluster.name);
  if (w.kind !== 'DaemonSet' && minPods >= 2) {
    // maxUnavailable 1 lets a node drain proceed while the rest keeps serving.
    out.push(
      obj('policy/v1', 'PodDisruptionBudget', { name, namespace: ns, labels }, {
        spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
      }),
    );
  }
  if (hpa) {
    out.push(
      obj('autoscaling/v2', 'HorizontalPodAutoscaler', { name, namespace: ns, labels }, {
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: w.kind, name },
          minReplicas: hpa.min,
          maxReplicas: hpa.max,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: hpa.cpuPercent } } }],
        },
      }),
    );
  }
  return out;
}

function sortedRecord(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));
}

/** FNV-1a, hex: a stable short hash so a config change rolls the pods. */
export function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
