import { ensureTools, exec, findRepoRoot, toolPath } from '@carbon/toolchain';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const ROOT = findRepoRoot(import.meta.dirname);
const WORKFLOWS = join(ROOT, '.github/workflows');
const files = readdirSync(WORKFLOWS).filter((name) => /\.ya?ml$/.test(name)).sort();

interface Finding {
  message: string;
  filepath: string;
  line: number;
  column: number;
  kind: string;
}

let actionlint = '';
beforeAll(async () => {
  await ensureTools(ROOT); // pinned actionlint via go install into .tools/bin (a no-op when present)
  actionlint = toolPath(ROOT, 'actionlint');
}, 600_000);

async function lint(args: string[], input?: string): Promise<{ exitCode: number; findings: Finding[]; stderr: string }> {
  const result = await exec(actionlint, ['-no-color', '-format', '{{json .}}', ...args], { cwd: ROOT, ...(input !== undefined ? { input } : {}) });
  const findings = result.stdout.trim() === '' ? [] : (JSON.parse(result.stdout) as Finding[]);
  return { exitCode: result.exitCode, findings, stderr: result.stderr };
}

describe('workflows under actionlint', () => {
  it('finds every workflow the repo ships', () => {
    expect(files).toEqual(['ci.yml', 'pr-comment.yml', 'pr.yml', 'promote.yml']);
  });

  it('reports no findings for .github/workflows', async () => {
    const { exitCode, findings, stderr } = await lint(files.map((name) => join('.github/workflows', name)));
    expect(findings.map((f) => `${f.filepath}:${f.line}:${f.column} ${f.kind}: ${f.message}`)).toEqual([]);
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
  });

  it('does report a deliberately broken workflow (so the check above can fail)', async () => {
    const broken = [
      'on: pull_request',
      'permissions:',
      '  contents: writ',
      'jobs:',
      '  test:',
      '    runs-on: ubuntu-24.04',
      '    steps:',
      '      - run: echo "${{ github.event.pull_request.title }}"',
      '      - uses: actions/checkout@v4',
      '        with:',
      '          fetch-depth: ${{ matrix.depth }}',
    ].join('\n');
    const { exitCode, findings } = await lint(['-stdin-filename', 'broken.yml', '-'], broken);
    expect(exitCode).toBe(1);
    const kinds = findings.map((f) => f.kind);
    expect(kinds).toContain('permissions');
    expect(kinds).toContain('expression');
    expect(findings.some((f) => f.message.includes('github.event.pull_request.title') && f.message.includes('untrusted'))).toBe(true);
  });
});

interface Workflow {
  on: Record<string, unknown> | string | string[];
  permissions?: unknown;
  concurrency?: unknown;
  jobs: Record<string, { permissions?: unknown; steps?: Array<{ uses?: string; with?: Record<string, unknown> }> }>;
}

describe('workflow policy', () => {
  const workflows = files.map((name) => ({ name, text: readFileSync(join(WORKFLOWS, name), 'utf8') })).map(({ name, text }) => ({ name, text, doc: parseYaml(text) as Workflow }));

  it('grants nothing at the top level and least privilege per job', () => {
    for (const { name, doc } of workflows) {
      expect(doc.permissions, name).toEqual({});
      for (const [job, spec] of Object.entries(doc.jobs)) expect(spec.permissions, `${name} job ${job}`).toBeTypeOf('object');
    }
  });

  it('sets a concurrency group on every workflow', () => {
    for (const { name, doc } of workflows) expect(doc.concurrency, name).toMatchObject({ group: expect.any(String) });
  });

  it('pins every third-party action to a full commit SHA with its version in a comment', () => {
    for (const { name, text } of workflows) {
      for (const line of text.split('\n').filter((l) => /^\s*(-\s+)?uses:/.test(l))) {
        const ref = line.replace(/^\s*(-\s+)?uses:\s*/, '');
        if (ref.startsWith('./')) continue;
        expect(ref, `${name}: ${line.trim()}`).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/);
      }
    }
  });

  it('never runs PR code with a write token: no pull_request_target, and the workflow_run job does not check out the PR', () => {
    for (const { name, doc } of workflows) {
      const triggers = typeof doc.on === 'string' ? [doc.on] : Array.isArray(doc.on) ? doc.on : Object.keys(doc.on);
      expect(triggers, name).not.toContain('pull_request_target');
    }
    const comment = workflows.find((w) => w.name === 'pr-comment.yml')!;
    for (const job of Object.values(comment.doc.jobs)) {
      for (const step of job.steps ?? []) {
        if (!step.uses?.startsWith('actions/checkout@')) continue;
        expect(step.with?.ref).toBe('${{ github.event.repository.default_branch }}');
      }
    }
  });
});
