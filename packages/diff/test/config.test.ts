import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, ignoreFilter, loadDiffConfig } from '../src/index.ts';

describe('platform/diff.yaml', () => {
  it('the repository file loads and keeps the defaults it documents', () => {
    const config = loadDiffConfig(resolve(import.meta.dirname, '../../..'));
    for (const p of DEFAULT_CONFIG.ignore.paths) expect(config.ignore.paths).toContain(p);
    expect(config.collapseThreshold).toBe(3);
    const ignore = ignoreFilter(config.ignore);
    expect(ignore('status.conditions[0].reason')).toBe(false); // prefixes are dropped by the walk, not the glob
    expect(ignore('status')).toBe(true);
    expect(ignore('spec.template.metadata.annotations["checksum/config"]')).toBe(true);
    expect(ignore('metadata.labels["helm.sh/chart"]')).toBe(true);
    expect(ignore('spec.selector.matchLabels["helm.sh/chart"]')).toBe(false);
    expect(ignore('spec.replicas')).toBe(false);
  });
});
