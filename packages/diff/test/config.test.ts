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

describe('ignore globs (picomatch over path segments)', () => {
  const ignore = (paths: string[], annotations: string[] = [], labels: string[] = []) => ignoreFilter({ paths, annotations, labels });

  it('[name=x] and [0] are the path\'s list selectors, matched literally, never character classes', () => {
    const one = ignore(['spec.template.spec.containers[name=app].image']);
    expect(one('spec.template.spec.containers[name=app].image')).toBe(true);
    expect(one('spec.template.spec.containers[name=web].image')).toBe(false);
    expect(one('spec.template.spec.containers[a].image')).toBe(false); // not the class [name=app]
    const index = ignore(['spec.rules[0]']);
    expect(index('spec.rules[0]')).toBe(true);
    expect(index('spec.rules0')).toBe(false);
    expect(index('spec.rules[1]')).toBe(false);
  });

  it('* inside a selector matches any element, dots in the element name included; ** crosses segments', () => {
    const any = ignore(['spec.template.spec.containers[*].image']);
    expect(any('spec.template.spec.containers[name=app].image')).toBe(true);
    expect(any('spec.template.spec.containers[name=a.b/c].image')).toBe(true);
    expect(any('spec.template.spec.containers[name=app].env')).toBe(false);
    expect(any('spec.template.spec.initContainers[name=app].image')).toBe(false);
    const literalDot = ignore(['spec.template.spec.containers[name=a.b].resources']);
    expect(literalDot('spec.template.spec.containers[name=a.b].resources')).toBe(true);
    expect(literalDot('spec.template.spec.containers[name=a].b.resources')).toBe(false);
    const deep = ignore(['**.image']);
    expect(deep('spec.template.spec.containers[name=app].image')).toBe(true);
    expect(deep('spec.template.spec.containers[name=app].imagePullPolicy')).toBe(false);
    expect(ignore(['spec.*.image'])('spec.containers[name=app].image')).toBe(true);
    expect(ignore(['spec.*'])('spec.template.spec')).toBe(false); // * stays in one segment
  });

  it('quoted keys keep their dots and slashes; braces pick alternatives', () => {
    const quoted = ignore(['metadata.annotations["checksum/*"]']);
    expect(quoted('metadata.annotations["checksum/config"]')).toBe(true);
    expect(quoted('metadata.annotations["other/config"]')).toBe(false);
    const either = ignore(['spec.{replicas,paused}']);
    expect(either('spec.replicas')).toBe(true);
    expect(either('spec.paused')).toBe(true);
    expect(either('spec.selector')).toBe(false);
  });

  it('annotation and label key globs: * stays within the prefix or the name', () => {
    const keys = ignore([], ['checksum/*', '*.example.com/*'], ['app.kubernetes.io/ver?ion']);
    expect(keys('spec.template.metadata.annotations["checksum/config"]')).toBe(true);
    expect(keys('metadata.annotations["team.example.com/owner"]')).toBe(true);
    expect(keys('metadata.annotations["example.org/owner"]')).toBe(false);
    expect(keys('metadata.labels["app.kubernetes.io/version"]')).toBe(true);
    expect(keys('spec.selector.matchLabels["app.kubernetes.io/version"]')).toBe(false); // selectors never
  });
});
