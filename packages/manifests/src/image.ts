import type { ClusterFacts, ImageRef } from '@carbon/platform';

export interface MirroredImage {
  upstream: string;
  mirror: string;
}

/**
 * Where a cluster pulls an upstream image from: the Harbor proxy-cache project for that registry.
 * `docker.io/trinodb/trino:455` → `harbor.254carbon.com/dockerhub/trinodb/trino:455`.
 */
export function mirrorImage(ref: ImageRef, cluster: ClusterFacts): MirroredImage {
  const [registry, ...path] = ref.upstream.split('/');
  const project = cluster.registry.projects[registry ?? ''];
  if (!project) throw new Error(`registry "${registry}" has no Harbor project in ${cluster.file}`);
  const sep = ref.tag.startsWith('sha256:') ? '@' : ':';
  return {
    upstream: `${ref.upstream}${sep}${ref.tag}`,
    mirror: `${cluster.registry.host}/${project}/${path.join('/')}${sep}${ref.tag}`,
  };
}
