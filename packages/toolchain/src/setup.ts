import { exec, type Runner } from './exec.ts';
import { checkE2eComponents, E2eBuildError, ensureE2eComponents } from './e2e.ts';
import { checkGo, GoBuildTimeoutError, GoDownloadError, GoMissingError, GoProxySettingError, PinMismatchError } from './gomod.ts';
import { ensureSchemas, schemasAreFresh, SchemasMissingError } from './schemas.ts';
import { checkTool, ensureTools, ToolMissingError } from './tools.ts';
import { TOOL_NAMES } from './versions.ts';

export type SetupMode = 'install' | 'check';

/** 0: ready; 1: `--check` found something missing; 2: Go missing, a download or a pin failed. */
export type SetupExitCode = 0 | 1 | 2;

export type SetupOptions = {
  mode: SetupMode;
  /** Also the e2e's real components (control plane, KWOK, Flux controllers): `--e2e`. */
  e2e?: boolean;
  runner?: Runner;
  log: (line: string) => void;
};

/** What `npm run setup` does, as a function: install pinned tools, build offline schemas, and with `e2e` the e2e components. */
export async function runSetup(root: string, { mode, e2e = false, runner = exec, log }: SetupOptions): Promise<SetupExitCode> {
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)}s`;
  try {
    if (mode === 'check') return await checkOnly(root, e2e, runner, log);
    log(`toolchain: ${await checkGo(root, runner)}`);
    const tools = await ensureTools(root, { runner, log });
    for (const { tool, version, action } of tools) log(`  ${tool} ${version} ${action === 'installed' ? 'installed' : 'already installed'}`);
    log(`tools ready in .tools/bin (${elapsed()})`);
    const schemas = await ensureSchemas(root, { runner, log });
    log(`schemas ${schemas.cached ? 'up to date' : 'built'}: ${schemas.files} files in ${schemas.dir} (${elapsed()})`);
    if (e2e) {
      const built = await ensureE2eComponents(root, { runner, log });
      const summary = built.map(({ family, version, action }) => `${family} ${version}${action === 'built' ? ' (built)' : ''}`).join(', ');
      log(`e2e components ready in .tools/bin: ${summary} (${elapsed()})`);
    }
    return 0;
  } catch (error) {
    if (
      error instanceof GoMissingError ||
      error instanceof GoDownloadError ||
      error instanceof GoBuildTimeoutError ||
      error instanceof PinMismatchError ||
      error instanceof GoProxySettingError ||
      error instanceof E2eBuildError
    ) {
      log(`setup failed: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

async function checkOnly(root: string, e2e: boolean, runner: Runner, log: (line: string) => void): Promise<SetupExitCode> {
  const problems: string[] = [];
  for (const name of TOOL_NAMES) {
    try {
      await checkTool(root, name, { probe: true, runner });
      log(`  ok ${name}`);
    } catch (error) {
      if (!(error instanceof ToolMissingError)) throw error;
      problems.push(error.message);
    }
  }
  if (!schemasAreFresh(root)) problems.push(new SchemasMissingError('are missing or were built from other pins').message);
  if (e2e) {
    for (const { binary, problem } of checkE2eComponents(root)) {
      if (problem) problems.push(problem);
      else log(`  ok ${binary}`);
    }
  }
  for (const problem of problems) log(`  missing: ${problem}`);
  log(problems.length === 0 ? 'setup --check: everything is installed' : `setup --check: ${problems.length} problem(s)`);
  return problems.length === 0 ? 0 : 1;
}
