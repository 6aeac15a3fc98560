import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { exec, type Runner } from './exec.ts';
import { checkGo, goEnv, goInstall } from './gomod.ts';
import { readRecord, updateRecord } from './record.ts';
import { goModCacheDir, toolBinDir } from './repo.ts';
import { TOOL_NAMES, TOOL_PINS, type ToolName } from './versions.ts';

export class ToolMissingError extends Error {
  override readonly name = 'ToolMissingError';
  constructor(
    readonly tool: ToolName,
    readonly expected: string,
    /** The version found, when the binary is there but at another version. */
    readonly found?: string,
  ) {
    super(
      found
        ? `${tool} in .tools/bin is at ${found}, not ${expected} — run \`npm run setup\``
        : `${tool} ${expected} is not installed in .tools/bin — run \`npm run setup\``,
    );
  }
}

export type InstalledVersions = Partial<Record<ToolName, string>>;

export type ToolAction = { tool: ToolName; version: string; action: 'installed' | 'present' };

export const toolPath = (root: string, name: ToolName): string => join(toolBinDir(root), name);
const versionsFile = (root: string): string => join(toolBinDir(root), 'versions.json');

export function readInstalledVersions(root: string): InstalledVersions {
  return readRecord<InstalledVersions>(versionsFile(root));
}

function recordInstalledVersion(root: string, name: ToolName, version: string): void {
  updateRecord<InstalledVersions>(versionsFile(root), { [name]: version });
}

export type CheckToolOptions = {
  /** Also run the binary and compare what it reports (slower; the default trusts versions.json). */
  probe?: boolean;
  runner?: Runner;
};

/**
 * Resolves to the tool's path when the pinned version is installed; throws ToolMissingError
 * (with the remedy) when it is absent or at another version.
 */
export async function checkTool(root: string, name: ToolName, options: CheckToolOptions = {}): Promise<string> {
  const pin = TOOL_PINS[name];
  const path = installedTool(root, name);
  if (options.probe) {
    const reported = await probeToolVersion(root, name, options.runner ?? exec);
    if (reported !== pin.version) throw new ToolMissingError(name, pin.version, reported ?? 'an unknown version');
  }
  return path;
}

/**
 * The tool's path when the pinned version is installed, synchronously; throws ToolMissingError
 * (with the remedy) otherwise. For tests: a missing tool is a failure that says what to run, never
 * a skip (`npm test` installs every pinned tool in its pretest step).
 */
export function installedTool(root: string, name: ToolName): string {
  const pin = TOOL_PINS[name];
  const path = toolPath(root, name);
  if (!existsSync(path)) throw new ToolMissingError(name, pin.version);
  const recorded = readInstalledVersions(root)[name];
  if (recorded !== pin.version) throw new ToolMissingError(name, pin.version, recorded ?? 'an unrecorded version');
  return path;
}

/**
 * The version the binary reports through its own flag; when that carries no version (a build
 * without release ldflags says "development"), the module version Go embedded in the binary.
 */
export async function probeToolVersion(root: string, name: ToolName, runner: Runner = exec): Promise<string | undefined> {
  const pin = TOOL_PINS[name];
  const own = await runner(toolPath(root, name), pin.versionArgs, { timeoutMs: 30_000 });
  const fromFlag = own.exitCode === 0 ? parseVersion(own.stdout) : undefined;
  if (fromFlag) return fromFlag;
  const buildInfo = await runner('go', ['version', '-m', toolPath(root, name)], { env: goEnv(root), timeoutMs: 30_000 });
  return buildInfo.exitCode === 0 ? parseBuildInfoVersion(buildInfo.stdout) : undefined;
}

/** First semver-looking token, normalised to a leading `v` (`dyff version 1.12.0` → `v1.12.0`). */
export function parseVersion(text: string): string | undefined {
  const match = /\bv?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\b/.exec(text);
  return match ? `v${match[1]}` : undefined;
}

/** The main module's version from `go version -m` output (`\tmod\t<path>\t<version>\t<sum>`). */
export function parseBuildInfoVersion(text: string): string | undefined {
  const line = text.split('\n').find((l) => l.trim().startsWith('mod\t') || /^\s*mod\s/.test(l));
  return line?.trim().split(/\s+/)[2];
}

export type EnsureToolsOptions = { runner?: Runner; log?: (line: string) => void };

/** Installs every pinned tool that is missing or at another version; leaves the rest alone. */
export async function ensureTools(root: string, options: EnsureToolsOptions = {}): Promise<ToolAction[]> {
  const runner = options.runner ?? exec;
  const log = options.log ?? (() => undefined);
  mkdirSync(toolBinDir(root), { recursive: true });
  mkdirSync(goModCacheDir(root), { recursive: true });
  const stale: ToolName[] = [];
  const actions: ToolAction[] = [];
  for (const name of TOOL_NAMES) {
    try {
      await checkTool(root, name);
      actions.push({ tool: name, version: TOOL_PINS[name].version, action: 'present' });
    } catch (error) {
      if (!(error instanceof ToolMissingError)) throw error;
      stale.push(name);
    }
  }
  if (stale.length === 0) return actions;
  await checkGo(root, runner);
  // Installs are independent; Go's module cache is safe to share between concurrent builds.
  await Promise.all(
    stale.map(async (name) => {
      const pin = TOOL_PINS[name];
      log(`installing ${name} ${pin.version} (go install ${pin.package}@${pin.version})`);
      await goInstall(root, pin.package, pin.version, pin.ldflags, runner);
      const reported = await probeToolVersion(root, name, runner);
      if (reported !== pin.version) throw new ToolMissingError(name, pin.version, reported ?? 'an unknown version');
      recordInstalledVersion(root, name, pin.version);
      actions.push({ tool: name, version: pin.version, action: 'installed' });
    }),
  );
  return actions;
}
