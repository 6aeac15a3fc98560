import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ApiLimitProbe } from '../src/api-limits.ts';

const ENTRY = fileURLToPath(new URL('../bin/e2e.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const stateDirs = () => readdirSync(tmpdir()).filter((f) => f.startsWith('carbon-api-limits-'));

/**
 * `platform validate`'s INP003/INP004 proven against the pinned etcd and kube-apiserver (issue 13
 * item 4): inside the e2e's own network namespace (loopback only), every probe object — each limit
 * at its edge, one side and the other — is created on a fresh API server; the server refuses it
 * exactly when the checks flag it.
 */
describe('API server limits: what validate flags is what kube-apiserver refuses', () => {
  it('every probe agrees (sizes, names per kind, labels, annotations); nothing leaves the namespace, nothing is left behind', async () => {
    const before = new Set(stateDirs());
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, [ENTRY, '--probe-api-limits'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d: Buffer) => (stdout += d));
      c.stderr.on('data', (d: Buffer) => (stderr += d));
      c.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
    expect(r.code, r.stderr).toBe(0);
    const { probes, after } = JSON.parse(r.stdout) as { probes: ApiLimitProbe[]; after: { interfaces: string[]; transmitted: unknown[] } };
    expect(probes.filter((p) => p.refused !== p.flagged.length > 0).map((p) => `${p.name}: server ${p.status} ${p.reason}; flagged ${p.flagged.join(',') || 'nothing'}`)).toEqual([]);
    const by = Object.fromEntries(probes.map((p) => [p.name, p]));
    // The refusals come from the layers the docs name: validation (422), etcd, and the request body limit (413).
    expect(by['ConfigMap data 1 MiB + 1 byte']!.status).toBe(422);
    expect(by['CRD of 1.55 MiB (over etcd 1.5 MiB)']!.reason).toMatch(/etcdserver: request is too large/);
    expect(by['CRD of 4 MiB (over the 3 MiB request body)']!.status).toBe(413);
    expect(probes.filter((p) => p.refused).length).toBe(14);
    expect(probes.filter((p) => !p.refused).length).toBe(11);
    expect(after.interfaces).toEqual(['lo']);
    expect(after.transmitted).toEqual([]);
    expect(stateDirs().filter((d) => !before.has(d))).toEqual([]);
  }, 10 * 60_000);
});
