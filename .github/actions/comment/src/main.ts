import * as core from '@actions/core';
import { contextFromEnv, createActionAdapter, parsePositiveIntegerInput } from '@carbon/github';
import { readFile } from 'node:fs/promises';
import { run, type Inputs } from './run.ts';

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
  const { outputs, summary } = await run(inputs, context, { github, readFile: (path) => readFile(path, 'utf8') });
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
  await core.summary.addRaw(summary).write();
} catch (error) {
  core.setFailed(error instanceof Error ? error.message : String(error));
}
