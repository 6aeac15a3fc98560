import * as core from '@actions/core';
import { contextFromEnv, createActionAdapter } from '@carbon/github';
import { actionDeps, parseMode, run as promote, type Inputs } from './run.ts';

/** Runner glue only: inputs → typed Inputs, Outputs → step outputs, a refused promotion or error → a failed step. */
export async function run(): Promise<void> {
  try {
    const token = core.getInput('token', { required: true });
    const inputs: Inputs = {
      mode: parseMode(core.getInput('mode', { required: true })),
      service: core.getInput('service'),
      revision: core.getInput('revision'),
      to: core.getInput('to'),
      dryRun: core.getBooleanInput('dry-run'),
    };
    const context = contextFromEnv();
    const github = inputs.dryRun ? undefined : createActionAdapter(token, context);
    const { outputs, summary, failure } = await promote(inputs, context, { promote: actionDeps({ root: context.workspace, github, actor: context.actor, dryRun: inputs.dryRun }) });
    for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
    if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(summary).write();
    if (failure) core.setFailed(failure);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
