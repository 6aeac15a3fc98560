import type { Kube, KubeObject } from './kube.ts';

/**
 * No storage provisioner runs here: every Pending claim gets a PersistentVolume of its size,
 * class and access modes, pre-bound to it (claimRef), and the real PV controller binds them.
 */
export function startVolumeBinder(kube: Kube, onError: (e: unknown) => void): { stop(): void; bound(): number } {
  let stopped = false;
  const made = new Set<string>();
  const tick = async () => {
    const claims = await kube.list('v1', 'PersistentVolumeClaim');
    for (const c of claims) {
      if (c.spec.volumeName || c.status?.phase === 'Bound') continue;
      const id = `${c.metadata.namespace}/${c.metadata.name}`;
      if (made.has(id)) continue;
      const pv: KubeObject = {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: `e2e-${c.metadata.uid}`, labels: { 'carbon-e2e/claim-namespace': c.metadata.namespace } },
        spec: {
          capacity: { storage: c.spec.resources?.requests?.storage ?? '1Gi' },
          accessModes: c.spec.accessModes ?? ['ReadWriteOnce'],
          storageClassName: c.spec.storageClassName ?? '',
          volumeMode: c.spec.volumeMode ?? 'Filesystem',
          persistentVolumeReclaimPolicy: 'Delete',
          hostPath: { path: `/carbon-e2e/${c.metadata.namespace}/${c.metadata.name}` },
          claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: c.metadata.namespace, name: c.metadata.name, uid: c.metadata.uid },
        },
      };
      await kube.create(pv);
      made.add(id);
    }
  };
  const loop = async () => {
    while (!stopped) {
      await tick().catch(onError);
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  void loop();
  return {
    stop: () => {
      stopped = true;
    },
    bound: () => made.size,
  };
}
