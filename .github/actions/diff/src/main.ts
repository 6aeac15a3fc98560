import * as core from '@actions/core';
import { diffRevisions } from '@carbon/diff';
import { contextFromEnv } from '@carbon/github';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { run as renderDiff, type Inputs } from './run.ts';

/** Runner glue only: inputs → typed Inputs, Outputs → step outputs, errors → a failed step. */
export async function run(): Promise<void> {
  try {
    const inputs: Inputs = { base: core.getInput('base'), head: core.getInput('head'), outputDir: core.getInput('output-dir') || 'platform-diff' };
    const context = contextFromEnv();
    const { outputs, summary } = await renderDiff(inputs, context, {
      diff: diffRevisions,
      writeFile: async (path, text) => {
        await mkdir(dirname(path), { recursive: true });
        const tmp = join(dirname(path), `.${process.pid}.tmp`);
        await writeFile(tmp, text);
        await rename(tmp, path);
      },
    });
    for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
    if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(summary).write();
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
