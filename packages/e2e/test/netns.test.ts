import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ENTRY = fileURLToPath(new URL('../bin/e2e.mjs', import.meta.url));

describe('the e2e network namespace', () => {
  it('has only loopback: no route, connects to cluster and public addresses fail at once, nothing transmitted', () => {
    const r = spawnSync(process.execPath, [ENTRY, '--probe-netns'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const seen = JSON.parse(r.stdout);
    expect(seen.report.interfaces).toEqual(['lo']);
    expect(seen.report.routes).toEqual([]);
    expect(seen.problems).toEqual([]);
    for (const host of ['10.96.0.1', '10.0.0.1', '192.168.1.1', '1.1.1.1']) expect(seen.probes[host]).toBe('ENETUNREACH');
    // Only lo exists, so no interface could count a byte leaving.
    expect(seen.after.transmitted).toEqual([]);
  });

  it('is a different namespace from the host (the host has more than loopback)', async () => {
    const { readFileSync } = await import('node:fs');
    expect(readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2).filter(Boolean).length).toBeGreaterThan(1);
  });
});
