import { describe, expect, it } from 'vitest';
import { layerTimeoutMinutes } from '../src/cluster.ts';

describe('layerTimeoutMinutes', () => {
  it('outlasts the longest dependsOn chain inside the layer (10 m a step, 5 m head-room)', () => {
    const deps = new Map([
      ['datahub', ['postgresql', 'secret-store']],
      ['superset', ['postgresql']],
    ]);
    // postgresql → datahub is two steps; secret-store lives in an earlier layer and is Ready first.
    expect(layerTimeoutMinutes(['postgresql', 'datahub', 'superset'], deps)).toBe(25);
    expect(layerTimeoutMinutes(['vault', 'secret-store', 'cluster-issuers'], new Map([['secret-store', ['vault']], ['cluster-issuers', ['secret-store']]]))).toBe(35);
  });

  it('keeps 15 m for a layer of independent services or none, and survives a dependency cycle', () => {
    expect(layerTimeoutMinutes(['a'], new Map())).toBe(15);
    expect(layerTimeoutMinutes([], new Map())).toBe(15);
    expect(layerTimeoutMinutes(['a', 'b'], new Map([['a', ['b']], ['b', ['a']]]))).toBe(25);
  });
});
