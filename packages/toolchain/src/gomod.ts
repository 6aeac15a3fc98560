import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { exec, EXIT_COMMAND_NOT_FOUND, EXIT_TIMED_OUT, type Runner } from './exec.ts';
import { goModCacheDir, sourcesModuleDir, toolBinDir } from './repo.ts';
import type { ModulePin } from './versions.ts';

export class GoMissingError extends Error {
  override readonly name = 'GoMissingError';
  constructor(detail: string) {
    super(`Go is required to install the pinned tools and sources but \`go version\` failed (${detail}). Install Go 1.24+ and re-run \`npm run setup\`.`);
  }
}

export class GoDownloadError extends Error {
  override readonly name = 'GoDownloadError';
  constructor(
    readonly target: string,
    readonly detail: string,
  ) {
    super(`go could not fetch ${target}: ${detail.trim()}${proxyRefusalHint(detail)}`);
  }
}

/** The proxy answered 403/404/410 for a module: say which, and how to name a proxy that serves it. */
export function proxyRefusalHint(detail: string): string {
  const refused = [...detail.matchAll(/reading [a-z]+:\/\/[^/\s]+\/(\S+?)\/@v\/(\S+?)\.(?:info|mod|zip): (?:403|404|410)\b/g)];
  const list = /reading [a-z]+:\/\/[^/\s]+\/(\S+?)\/@v\/list: (?:403|404|410)\b/.exec(detail);
  const modules = [...new Set([...refused.map(([, module, version]) => `${unescapeModulePath(module!)}@${version}`), ...(list ? [unescapeModulePath(list[1]!)] : [])])];
  if (modules.length === 0) return '';
  return `\nThe Go module proxy refused ${modules.join(', ')}. If you have a proxy that serves it (for example a file-based one), put it first with ${PLATFORM_GOPROXY_VAR}=<comma-separated GOPROXY prefix, e.g. file:///path/to/goproxy> and re-run.`;
}

/** Module paths in proxy URLs spell capitals as `!x`. */
function unescapeModulePath(path: string): string {
  return path.replace(/!([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** Extra module proxies, tried before the usual one (e.g. a file:// proxy for modules it refuses). */
export const PLATFORM_GOPROXY_VAR = 'PLATFORM_GOPROXY';
const DEFAULT_GOPROXY = 'https://proxy.golang.org,direct';

export class GoProxySettingError extends Error {
  override readonly name = 'GoProxySettingError';
  constructor(detail: string) {
    super(`${PLATFORM_GOPROXY_VAR} ${detail}. It is a comma-separated GOPROXY prefix such as file:///abs/path/goproxy or https://proxy.example; unset it to use the default proxy only.`);
  }
}

/**
 * GOPROXY for the toolchain: PLATFORM_GOPROXY's entries first, then the caller's GOPROXY (or Go's
 * default). Unset or empty PLATFORM_GOPROXY leaves GOPROXY alone. A file:// entry must be an
 * existing folder, so a typo fails here and not as a confusing 404 halfway through a build.
 */
export function platformGoProxy(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const prefix = env[PLATFORM_GOPROXY_VAR]?.trim();
  if (!prefix) return undefined;
  const entries = prefix.split(/[,|]/).map((entry) => entry.trim());
  for (const entry of entries) {
    if (entry === '') throw new GoProxySettingError(`has an empty entry ("${prefix}")`);
    if (entry === 'direct' || entry === 'off') continue;
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw new GoProxySettingError(`entry "${entry}" is not a URL`);
    }
    if (url.protocol === 'file:') {
      if (!existsSync(fileURLToPath(url))) throw new GoProxySettingError(`entry "${entry}" names a folder that does not exist`);
    } else if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new GoProxySettingError(`entry "${entry}" is neither file://, https:// nor http://`);
    }
  }
  return `${prefix},${env.GOPROXY?.trim() || DEFAULT_GOPROXY}`;
}

/** The committed go.mod/go.sum disagree with versions.ts, so a download would not be verified. */
export class PinMismatchError extends Error {
  override readonly name = 'PinMismatchError';
  constructor(
    readonly problems: readonly string[],
    /** The committed module folder, relative to the repo root. */
    readonly folder = 'packages/toolchain/go',
  ) {
    const remedy =
      folder === 'packages/toolchain/go'
        ? 'Edit go/go.mod, then run `go mod download -json <module>@<version>` in packages/toolchain/go to record go.sum.'
        : `Edit ${folder}/go.mod, then run \`go mod tidy -e\` there to record go.sum.`;
    super(`${folder} does not pin what src/versions.ts says:\n  ${problems.join('\n  ')}\n${remedy}`);
  }
}

/**
 * Environment for every go invocation: a repo-owned module cache and bin folder, checksum DB on
 * (any GONOSUMDB/GOPRIVATE/GOINSECURE from the caller's shell is dropped), and no toolchain
 * auto-download behind our back. PLATFORM_GOPROXY, when set, is put in front of GOPROXY.
 */
export function goEnv(root: string, env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  const goproxy = platformGoProxy(env);
  return {
    ...(goproxy ? { GOPROXY: goproxy } : {}),
    GOMODCACHE: goModCacheDir(root),
    GOBIN: toolBinDir(root),
    GOFLAGS: '-mod=mod',
    GOTOOLCHAIN: 'local',
    GONOSUMDB: undefined,
    GONOSUMCHECK: undefined,
    GONOSUMCHECKSUM: undefined,
    GOPRIVATE: undefined,
    GOINSECURE: undefined,
    GOSUMDB: undefined,
  };
}

/** Returns the `go version` line; throws GoMissingError when Go is absent or broken. */
export async function checkGo(root: string, runner: Runner = exec): Promise<string> {
  const result = await runner('go', ['version'], { env: goEnv(root) });
  if (result.exitCode === EXIT_COMMAND_NOT_FOUND) throw new GoMissingError('go is not on PATH');
  if (result.exitCode !== 0) throw new GoMissingError(result.stderr.trim() || `exit ${result.exitCode}`);
  return result.stdout.trim();
}

type DownloadRecord = { Path: string; Version: string; Dir?: string; Error?: string };

/**
 * `go mod download -json` in the committed sources module, so every zip is checked against
 * go.sum. Returns each module's extracted folder, keyed `module@version`.
 */
export async function downloadModules(root: string, pins: readonly ModulePin[], runner: Runner = exec): Promise<Map<string, string>> {
  assertPinned(root, pins);
  const targets = pins.map((pin) => `${pin.module}@${pin.version}`);
  const result = await runner('go', ['mod', 'download', '-json', ...targets], { cwd: sourcesModuleDir(root), env: goEnv(root), timeoutMs: 15 * 60_000 });
  const records = parseJsonStream<DownloadRecord>(result.stdout);
  const dirs = new Map<string, string>();
  for (const record of records) {
    const key = `${record.Path}@${record.Version}`;
    if (record.Error || !record.Dir) throw new GoDownloadError(key, record.Error ?? 'no Dir in go output');
    dirs.set(key, record.Dir);
  }
  const missing = targets.filter((target) => !dirs.has(target));
  if (result.exitCode !== 0 || missing.length > 0) throw new GoDownloadError(missing.join(', ') || targets.join(', '), result.stderr || `exit ${result.exitCode}`);
  return dirs;
}

export async function downloadModule(root: string, pin: ModulePin, runner: Runner = exec): Promise<string> {
  const dirs = await downloadModules(root, [pin], runner);
  return dirs.get(`${pin.module}@${pin.version}`)!;
}

/** How long one `go install` may take before it is killed (a cold promtool on two loaded cores took over 45 min). */
export const GO_INSTALL_TIMEOUT_MS = 80 * 60_000;

export class GoBuildTimeoutError extends Error {
  override readonly name = 'GoBuildTimeoutError';
  constructor(
    readonly target: string,
    readonly timeoutMs: number,
  ) {
    super(
      `go install ${target} did not finish within ${Math.round(timeoutMs / 60_000)} min and was stopped. ` +
        'The download had finished or was still running; on a busy machine the cold build of a large tool can take this long. ' +
        'Re-run `npm run setup` when the machine is quieter (what was built is in the Go build cache and is reused).',
    );
  }
}

/**
 * `go install <package>@<version>` into `.tools/bin` (module-aware install is checksum-DB verified).
 * `-trimpath` makes the build independent of this clone's module-cache path, so a second clone on
 * the same machine reuses the shared Go build cache instead of compiling everything again.
 */
export async function goInstall(root: string, pkg: string, version: string, ldflags: string | undefined, runner: Runner = exec): Promise<void> {
  const args = ['install', '-trimpath', ...(ldflags ? [`-ldflags=${ldflags}`] : []), `${pkg}@${version}`];
  // Run outside any module so the repo's go.mod (if one ever appears) cannot change the build.
  const result = await runner('go', args, { cwd: goModCacheDir(root), env: goEnv(root), timeoutMs: GO_INSTALL_TIMEOUT_MS });
  if (result.exitCode === EXIT_TIMED_OUT) throw new GoBuildTimeoutError(`${pkg}@${version}`, GO_INSTALL_TIMEOUT_MS);
  if (result.exitCode !== 0) throw new GoDownloadError(`${pkg}@${version}`, result.stderr || `exit ${result.exitCode}`);
}

/**
 * The arguments of every `<directive>` line of a go.mod, block (`require (` … `)`) or single-line
 * form, comments dropped: `goModDirective(goMod, 'tool')` → `['example.com/cmd/x', …]`.
 */
export function goModDirective(goMod: string, directive: 'require' | 'replace' | 'tool'): string[] {
  const args: string[] = [];
  let inBlock = false;
  for (const rawLine of goMod.split('\n')) {
    const line = rawLine.replace(/\/\/.*$/, '').trim();
    if (line === `${directive} (`) inBlock = true;
    else if (inBlock && line === ')') inBlock = false;
    else if (inBlock && line !== '') args.push(line);
    else if (line.startsWith(`${directive} `)) args.push(line.slice(directive.length).trim());
  }
  return args;
}

/** `require` lines of a go.mod (block or single-line form). */
export function parseGoModRequires(goMod: string): Map<string, string> {
  const requires = new Map<string, string>();
  for (const [module, version] of goModDirective(goMod, 'require').map((args) => args.split(/\s+/))) if (module && version) requires.set(module, version);
  return requires;
}

/** `replace <module> [version] => <module'> <version>` lines, keyed by the replaced module (local-path replaces have no version). */
export function parseGoModReplaces(goMod: string): Map<string, { module: string; version?: string }> {
  const replaces = new Map<string, { module: string; version?: string }>();
  for (const args of goModDirective(goMod, 'replace')) {
    const [from, to] = args.split('=>').map((side) => side.trim().split(/\s+/));
    if (from?.[0] && to?.[0]) replaces.set(from[0], { module: to[0], ...(to[1] ? { version: to[1] } : {}) });
  }
  return replaces;
}

/** `tool` lines of a go.mod (block or single-line form), in order. */
export function parseGoModTools(goMod: string): string[] {
  return goModDirective(goMod, 'tool');
}

/** Module zip hashes in a go.sum, keyed `module@version` (the `/go.mod` lines are skipped). */
export function parseGoSum(goSum: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of goSum.split('\n')) {
    const [module, version, hash] = line.trim().split(/\s+/);
    if (module && version && hash && !version.endsWith('/go.mod')) sums.set(`${module}@${version}`, hash);
  }
  return sums;
}

/** What is wrong between the pins and the committed go.mod/go.sum; empty when they agree. */
export function pinProblems(goMod: string, goSum: string, pins: readonly ModulePin[]): string[] {
  const requires = parseGoModRequires(goMod);
  const sums = parseGoSum(goSum);
  const problems: string[] = [];
  for (const { module, version } of pins) {
    const required = requires.get(module);
    if (required !== version) problems.push(`${module}: versions.ts says ${version}, go.mod ${required ? `requires ${required}` : 'does not require it'}`);
    else if (!sums.has(`${module}@${version}`)) problems.push(`${module}@${version}: no hash in go.sum`);
  }
  return problems;
}

function assertPinned(root: string, pins: readonly ModulePin[]): void {
  const dir = sourcesModuleDir(root);
  const problems = pinProblems(readFileSync(join(dir, 'go.mod'), 'utf8'), readFileSync(join(dir, 'go.sum'), 'utf8'), pins);
  if (problems.length > 0) throw new PinMismatchError(problems);
}

/** `go ... -json` prints one indented object after another; top-level braces start a line. */
export function parseJsonStream<T>(text: string): T[] {
  return text
    .split(/^(?=\{)/m)
    .map((chunk) => chunk.trim())
    .filter((chunk) => chunk.length > 0)
    .map((chunk) => JSON.parse(chunk) as T);
}
