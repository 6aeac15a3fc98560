import { describe, expect, it } from 'vitest';
import { InputError, type GitHubContext } from '@carbon/github';
import type { ValidateOptions, ValidateResult } from '@carbon/validate';
import { run, type Inputs } from '../src/run.ts';

const context = { workspace: '/ws', eventName: 'pull_request' } as unknown as GitHubContext;
const inputs = (over: Partial<Inputs> = {}): Inputs => ({ clusters: '', changedSince: '', sarifFile: 'platform-validate.sarif', workingTree: 'false', ...over });
const result = (findings: ValidateResult['findings']): ValidateResult => ({ clusters: [{ cluster: 'single-node', kustomizations: 2, objects: 3 }], findings, stats: { kustomizeRuns: 1, objects: 3, durationMs: 5 } });

function deps(r: ValidateResult) {
  const calls: ValidateOptions[] = [];
  const files = new Map<string, string>();
  return { calls, files, deps: { validate: async (o: ValidateOptions) => (calls.push(o), r), writeFile: async (p: string, t: string) => void files.set(p, t) } };
}

describe('validate action run()', () => {
  it('maps inputs to the library call and findings to annotations, SARIF and outputs', async () => {
    const d = deps(result([
      { id: 'SUP003', severity: 'error', category: 'supply-chain', cluster: 'single-node', message: 'image uses latest', hint: 'pin it', file: 'apps/web/deploy/base/deployment-web.yaml', line: 20, column: 18, object: 'Deployment web/web', service: 'apps/web/src/service.ts' },
      { id: 'SEC007', severity: 'error', category: 'security', cluster: 'single-node', message: 'hostPath', hint: 'h', suppressed: { reason: 'node agent' } },
    ]));
    const out = await run(inputs({ clusters: 'single-node, multi-node', changedSince: 'abc123' }), context, d.deps);
    expect(d.calls[0]).toEqual({ root: '/ws', path: '/ws', clusters: ['single-node', 'multi-node'], changedSince: 'abc123' });
    expect(out.exitCode).toBe(1);
    expect(out.outputs).toEqual({ errors: '1', warnings: '0', 'exit-code': '1', 'sarif-file': '/ws/platform-validate.sarif' });
    expect(out.annotations).toEqual([{ level: 'error', title: 'SUP003', file: 'apps/web/deploy/base/deployment-web.yaml', line: 20, column: 18, message: '[single-node] Deployment web/web: image uses latest — fix: pin it (defined in apps/web/src/service.ts)' }]);
    const sarif = JSON.parse(d.files.get('/ws/platform-validate.sarif')!);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results).toHaveLength(2);
    expect(out.summary).toContain('| error | `SUP003` |');
  });
  it('rejects inputs that could escape the workspace or are not names', async () => {
    const d = deps(result([]));
    await expect(run(inputs({ sarifFile: '../x.sarif' }), context, d.deps)).rejects.toBeInstanceOf(InputError);
    await expect(run(inputs({ clusters: '../etc' }), context, d.deps)).rejects.toThrow(/clusters/);
    await expect(run(inputs({ changedSince: '--output=/tmp/x' }), context, d.deps)).rejects.toThrow(/changed-since/);
    expect(d.calls).toEqual([]);
  });
  it('a clean result passes', async () => {
    const out = await run(inputs(), context, deps(result([])).deps);
    expect(out.exitCode).toBe(0);
    expect(out.summary).toMatch(/no errors/);
  });
});
