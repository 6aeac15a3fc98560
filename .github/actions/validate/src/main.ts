import * as core from '@actions/core';
import { contextFromEnv } from '@carbon/github';
import { validate } from '@carbon/validate';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { run as runValidate, type Inputs } from './run.ts';

/** Runner glue only: inputs → typed Inputs, findings → annotations, Outputs → step outputs, errors → a failed step. */
export async function run(): Promise<void> {
  try {
    const inputs: Inputs = { clusters: core.getInput('clusters'), changedSince: core.getInput('changed-since'), sarifFile: core.getInput('sarif-file'), workingTree: core.getInput('working-tree') };
    const context = contextFromEnv();
    const { outputs, summary, annotations, exitCode } = await runValidate(inputs, context, {
      validate,
      writeFile: async (path, text) => {
        await mkdir(dirname(path), { recursive: true });
        const tmp = join(dirname(path), `.${process.pid}.tmp`);
        await writeFile(tmp, text);
        await rename(tmp, path);
      },
    });
    for (const a of annotations) {
      const props = { title: a.title, ...(a.file ? { file: a.file } : {}), ...(a.line ? { startLine: a.line } : {}), ...(a.column ? { startColumn: a.column } : {}) };
      if (a.level === 'error') core.error(a.message, props);
      else if (a.level === 'warning') core.warning(a.message, props);
      else core.notice(a.message, props);
    }
    for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
    if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(summary).write();
    if (exitCode === 2) core.setFailed('platform validate: the input cannot be read, or Flux would refuse it (see the INP annotations)');
    else if (exitCode === 1) core.setFailed(`platform validate: ${outputs.errors} error finding(s)`);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
