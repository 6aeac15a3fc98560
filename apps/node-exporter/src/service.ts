import { defineService, everywhere, httpProbes, nonRootUser, resources } from '@carbon/platform';

const NAME = 'node-exporter';

/**
 * Only the collectors the platform alerts and dashboards read. The network collectors stay off:
 * without hostNetwork they would report the pod's own interfaces, and hostNetwork is not worth it
 * for them (node-to-node traffic is not alerted on).
 */
const COLLECTORS = ['cpu', 'diskstats', 'filefd', 'filesystem', 'loadavg', 'meminfo', 'pressure', 'stat', 'time', 'uname', 'vmstat'];

export const service = defineService({
  name: NAME,
  namespace: 'monitoring',
  layer: 'apps',
  description: 'node-exporter: CPU, memory, filesystem and pressure metrics of every node, read-only from the host',
  workloads: [
    {
      name: NAME,
      kind: 'DaemonSet',
      image: { upstream: 'quay.io/prometheus/node-exporter', tag: 'v1.8.2' },
      args: [
        '--web.listen-address=:9100',
        '--path.procfs=/host/proc',
        '--path.sysfs=/host/sys',
        '--path.rootfs=/host/root',
        '--collector.disable-defaults',
        ...COLLECTORS.map((c) => `--collector.${c}`),
        // Container and kubelet mounts are not node filesystems.
        '--collector.filesystem.mount-points-exclude=^/(dev|proc|run|sys|var/lib/kubelet/.+|var/lib/containerd/.+)($|/)',
      ],
      ports: [{ name: 'metrics', port: 9100 }],
      probes: httpProbes('/', 'metrics', { liveness: { initialDelaySeconds: 5 }, readiness: { initialDelaySeconds: 5 } }),
      resources: everywhere(resources('50m/64Mi', '200m/128Mi')),
      volumes: [
        { name: 'proc', hostPath: { path: '/proc', type: 'Directory', reason: "the node's kernel counters (CPU, memory, pressure) exist only in the host's /proc; mounted read-only" } },
        { name: 'sys', hostPath: { path: '/sys', type: 'Directory', reason: "disk and CPU statistics exist only in the host's /sys; mounted read-only" } },
        { name: 'root', hostPath: { path: '/', type: 'Directory', reason: 'filesystem usage of the node disks (statfs of each mount); mounted read-only' } },
      ],
      mounts: [
        { name: 'proc', mountPath: '/host/proc', readOnly: true },
        { name: 'sys', mountPath: '/host/sys', readOnly: true },
        { name: 'root', mountPath: '/host/root', readOnly: true },
      ],
      tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }],
      // nobody: statfs and /proc, /sys reads need no privilege.
      security: nonRootUser(65534),
    },
  ],
  monitoring: { workload: NAME, port: 'metrics', path: '/metrics', nodeLabel: true },
});
