import { mirrorImage } from '@carbon/manifests';
import type { PlatformSources } from './load.ts';

export interface ImageMirror {
  upstream: string;
  mirror: string;
  services: string[];
}

/** Every upstream image the platform runs and where Harbor serves it: the mirror job's whole input. */
export function imageMirrors(p: PlatformSources): ImageMirror[] {
  const byUpstream = new Map<string, ImageMirror>();
  for (const c of p.clusters) {
    for (const s of p.services) {
      for (const ref of [...s.definition.workloads.flatMap((w) => [w.image, ...(w.initContainers ?? []).map((ic) => ic.image)]), ...(s.definition.extraImages ?? [])]) {
        const m = mirrorImage(ref, c);
        const entry = byUpstream.get(`${m.upstream} ${m.mirror}`) ?? { ...m, services: [] };
        if (!entry.services.includes(s.definition.name)) entry.services.push(s.definition.name);
        byUpstream.set(`${m.upstream} ${m.mirror}`, entry);
      }
    }
  }
  return [...byUpstream.values()].sort((a, b) => a.upstream.localeCompare(b.upstream) || a.mirror.localeCompare(b.mirror));
}
