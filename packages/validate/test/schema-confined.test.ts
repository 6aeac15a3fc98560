import { describe, expect, it } from 'vitest';
import { checkTool, confinement, exec, findRepoRoot, type Runner } from '@carbon/toolchain';
import { emitter, schemaCheck, type Finding } from '../src/index.ts';
import { KUBECONFORM_MEMORY_BYTES } from '../src/schema.ts';
import { ro } from './helpers.ts';

const root = findRepoRoot(process.cwd());

/** kubeconform runs through the same confinement as kustomize and helm (issue 13): own network namespace, memory ceiling. */
describe('schemaCheck runs kubeconform confined', () => {
  it('inside unshare --net (as root here) under prlimit --data, and still reports its findings', async () => {
    const kubeconform = await checkTool(root, 'kubeconform');
    const calls: string[][] = [];
    const runner: Runner = (cmd, args, o) => {
      calls.push([cmd, ...args]);
      return exec(cmd, args, o);
    };
    const findings: Finding[] = [];
    await schemaCheck(kubeconform, root, [ro({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 1 } })], emitter('t', findings), runner);
    const run = calls.find((c) => c.includes(kubeconform))!;
    const c = await confinement();
    // This machine (root) has both: the command must carry them.
    expect(c.network).not.toBe('none');
    expect(run.slice(0, c.prefix.length)).toEqual(c.prefix);
    expect(run).toContain(`--data=${KUBECONFORM_MEMORY_BYTES}`);
    expect(findings.map((f) => f.id)).toEqual(['KCF001']);
  });
});
