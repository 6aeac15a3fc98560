import * as core from '@actions/core';
import { contextFromEnv, createActionAdapter, parsePositiveIntegerInput } from '@carbon/github';
import { readFile } from 'node:fs/promises';
import { run as postComment, type Inputs } from './run.ts';

/** Runner glue only: inputs → typed Inputs, Outputs → step outputs, errors → a failed step. */
export async function run(): Promise<void> {
  try {
    const token = core.getInput('token', { required: true });
    const inputs: Inputs = {
      key: core.getInput('key', { required: true }),
      body: core.getInput('body', { trimWhitespace: false }),
      bodyFile: core.getInput('body-file'),
      issueNumber: parsePositiveIntegerInput('issue-number', core.getInput('issue-number')),
      commentAuthor: core.getInput('comment-author'),
    };
    const context = contextFromEnv();
    const github = createActionAdapter(token, context);
    const { outputs, summary } = await postComment(inputs, context, { github, readFile: (path) => readFile(path, 'utf8') });
    for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
    // Always set on a runner; absent under @github/local-action unless the .env provides it.
    if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(summary).write();
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
