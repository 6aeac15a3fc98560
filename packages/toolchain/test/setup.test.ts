import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Runner } from '../src/exec.ts';
import { runSetup } from '../src/setup.ts';
import { E2E_FAMILIES, E2E_FAMILY_NAMES, TOOL_NAMES } from '../src/versions.ts';

describe('runSetup', () => {
  it('exits 2 with the remedy when Go is missing', async () => {
    const lines: string[] = [];
    const runner: Runner = async () => ({ stdout: '', stderr: 'spawn go ENOENT', exitCode: 127 });

    const code = await runSetup(mkdtempSync(join(tmpdir(), 'setup-')), { mode: 'install', runner, log: (line) => lines.push(line) });

    expect(code).toBe(2);
    expect(lines.join('\n')).toContain('Install Go 1.24+ and re-run `npm run setup`');
  });

  it('--check installs nothing and exits 1 listing what is missing', async () => {
    const lines: string[] = [];
    const runner: Runner = async (cmd) => {
      throw new Error(`--check must not run ${cmd}`);
    };

    const code = await runSetup(mkdtempSync(join(tmpdir(), 'setup-')), { mode: 'check', runner, log: (line) => lines.push(line) });

    expect(code).toBe(1);
    expect(lines.filter((line) => line.includes('missing:'))).toHaveLength(TOOL_NAMES.length + 1); // every tool + the schemas
    expect(lines.join('\n')).toContain('kubeconform v0.8.0 is not installed in .tools/bin');
  });

  it('--check --e2e also lists every e2e binary that is missing, with the remedy', async () => {
    const lines: string[] = [];
    const runner: Runner = async (cmd) => {
      throw new Error(`--check must not run ${cmd}`);
    };

    const code = await runSetup(mkdtempSync(join(tmpdir(), 'setup-')), { mode: 'check', e2e: true, runner, log: (line) => lines.push(line) });

    expect(code).toBe(1);
    expect(lines.filter((line) => line.includes('missing:'))).toHaveLength(TOOL_NAMES.length + 1 + E2E_FAMILY_NAMES.flatMap((f) => E2E_FAMILIES[f].binaries).length);
    expect(lines.join('\n')).toContain('kube-apiserver for the e2e is not installed in .tools/bin — run `npm run setup -- --e2e`');
  });
});
