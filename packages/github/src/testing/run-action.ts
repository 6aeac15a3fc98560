import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

/**
 * Runs a bundled action (`<actionDir>/dist/index.js`) in a child process the way the runner does:
 * inputs as `INPUT_<NAME>` (defaults from action.yml applied, as the runner does), the event as a
 * JSON file at `GITHUB_EVENT_PATH`, outputs and the step summary as files, annotations on stdout.
 * The child gets a clean environment (PATH and HOME plus what is set here), so a test run inside
 * GitHub Actions never leaks the host job's `GITHUB_*` variables into the action under test.
 */

export interface RunActionOptions {
  /** Folder holding action.yml and dist/index.js. */
  actionDir: string;
  inputs?: Record<string, string>;
  eventName: string;
  event: unknown;
  /** The event file's text as given, byte for byte (instead of `JSON.stringify(event)`): e.g. a payload as a real sender produced it. */
  eventText?: string;
  /** Extra or overriding environment, e.g. `GITHUB_API_URL: double.url`. */
  env?: Record<string, string>;
  /** Working directory and `GITHUB_WORKSPACE` (default: a fresh temp folder). */
  cwd?: string;
  repository?: string;
  /** What `${{ github.token }}` input defaults resolve to (default: a dummy token the double accepts). */
  token?: string;
  timeoutMs?: number;
}

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface Annotation {
  level: AnnotationLevel;
  message: string;
  file?: string;
  line?: number;
  col?: number;
  endLine?: number;
  endColumn?: number;
  title?: string;
}

export interface ActionRun {
  exitCode: number;
  outputs: Record<string, string>;
  summary: string;
  annotations: Annotation[];
  stdout: string;
  stderr: string;
}

/** The runner's mapping: `INPUT_` + name uppercased with spaces as underscores (hyphens stay). */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

export async function runAction(options: RunActionOptions): Promise<ActionRun> {
  const actionDir = resolve(options.actionDir);
  const entry = join(actionDir, 'dist', 'index.js');
  if (!existsSync(entry)) throw new Error(`${entry} does not exist; bundle the action first (npx tsx tooling/bundle-actions/src/main.ts)`);
  const defaults = await actionDefaults(actionDir, options.token ?? 'ghs_runaction_harness_token');

  const temp = await mkdtemp(join(tmpdir(), 'carbon-run-action-'));
  try {
    const workspace = options.cwd ?? join(temp, 'workspace');
    if (!options.cwd) await mkdir(workspace);
    const files = { event: join(temp, 'event.json'), output: join(temp, 'output'), summary: join(temp, 'summary.md'), state: join(temp, 'state'), env: join(temp, 'env'), path: join(temp, 'path') };
    await writeFile(files.event, options.eventText ?? JSON.stringify(options.event));
    for (const file of [files.output, files.summary, files.state, files.env, files.path]) await writeFile(file, '');

    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? temp,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: options.eventName,
      GITHUB_EVENT_PATH: files.event,
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_STATE: files.state,
      GITHUB_ENV: files.env,
      GITHUB_PATH: files.path,
      GITHUB_WORKSPACE: workspace,
      GITHUB_REPOSITORY: options.repository ?? 'acme/platform',
      GITHUB_SHA: '0000000000000000000000000000000000000000',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_WORKFLOW: 'test',
      GITHUB_RUN_ID: '1',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_ACTOR: 'octocat',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: 'https://api.github.com',
      RUNNER_TEMP: temp,
      RUNNER_OS: 'Linux',
      ...options.env,
    };
    for (const [name, value] of Object.entries({ ...defaults, ...options.inputs })) env[inputEnvName(name)] = value;

    const { exitCode, stdout, stderr } = await spawnNode(entry, workspace, env, options.timeoutMs ?? 60_000);
    return {
      exitCode,
      outputs: parseOutputFile(await readFile(files.output, 'utf8')),
      summary: await readFile(files.summary, 'utf8'),
      annotations: parseAnnotations(stdout),
      stdout,
      stderr,
    };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/**
 * Input defaults from action.yml. The harness has no expression engine: `${{ github.token }}`
 * becomes `token` (like the runner's GITHUB_TOKEN), other `${{ }}` defaults are left unset.
 */
async function actionDefaults(actionDir: string, token: string): Promise<Record<string, string>> {
  const file = ['action.yml', 'action.yaml'].map((name) => join(actionDir, name)).find((path) => existsSync(path));
  if (!file) throw new Error(`${actionDir} has no action.yml`);
  const parsed = parseYaml(await readFile(file, 'utf8')) as { inputs?: Record<string, { default?: unknown }> };
  const defaults: Record<string, string> = {};
  for (const [name, input] of Object.entries(parsed.inputs ?? {})) {
    if (input?.default === undefined || input.default === null) continue;
    const value = String(input.default);
    if (/^\$\{\{\s*github\.token\s*\}\}$/.test(value.trim())) defaults[name] = token;
    else if (!value.includes('${{')) defaults[name] = value;
  }
  return defaults;
}

function spawnNode(entry: string, cwd: string, env: Record<string, string>, timeoutMs: number): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [entry], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ exitCode: code ?? (signal ? 128 : 1), stdout, stderr: signal ? `${stderr}\n[killed by ${signal} after ${timeoutMs}ms]` : stderr });
    });
  });
}

/** Parses a `GITHUB_OUTPUT`-style file: `name=value` lines and `name<<DELIMITER` … `DELIMITER` blocks. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      for (index += 1; index < lines.length && lines[index] !== delimiter; index += 1) value.push(lines[index]!);
      if (index >= lines.length) throw new Error(`output "${name}": no closing delimiter "${delimiter}"`);
      outputs[name!] = value.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`GITHUB_OUTPUT line ${index + 1} is neither name=value nor name<<DELIMITER: ${JSON.stringify(line)}`);
    outputs[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return outputs;
}

const unescapeData = (text: string) => text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeProperty = (text: string) => unescapeData(text).replace(/%3A/g, ':').replace(/%2C/g, ',');

/** Parses workflow commands `::error file=f,line=1,col=2::message` (and warning/notice) from stdout. */
export function parseAnnotations(stdout: string): Annotation[] {
  const annotations: Annotation[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const match = /^::(error|warning|notice)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!match) continue;
    const annotation: Annotation = { level: match[1] as AnnotationLevel, message: unescapeData(match[3]!) };
    for (const pair of (match[2] ?? '').split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      const key = pair.slice(0, eq).trim();
      const value = unescapeProperty(pair.slice(eq + 1));
      if (key === 'file' || key === 'title') annotation[key] = value;
      if (key === 'line' || key === 'col' || key === 'endLine' || key === 'endColumn') annotation[key] = Number(value);
    }
    annotations.push(annotation);
  }
  return annotations;
}
