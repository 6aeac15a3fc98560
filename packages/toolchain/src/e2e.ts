import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { exec, lastLines, type Runner } from './exec.ts';
import { checkGo, goEnv, parseGoModReplaces, parseGoModTools, PinMismatchError, pinProblems, proxyRefusalHint } from './gomod.ts';
import { readRecord, updateRecord } from './record.ts';
import { e2eModuleDir, goModCacheDir, toolBinDir, toolsDir } from './repo.ts';
import { E2E_FAMILIES, E2E_FAMILY_NAMES, e2eBinaryModuleVersion, type E2eBinaryName, type E2eBinaryPin, type E2eFamily, type E2eFamilyName } from './versions.ts';

/**
 * The e2e's real components (etcd, the Kubernetes control plane, KWOK, the Flux controllers),
 * built from checksum-verified sources into `.tools/bin` and cached there: a family is rebuilt
 * only when its pins, go.mod/go.sum or linker flags change (its fingerprint).
 */

export class E2eComponentMissingError extends Error {
  override readonly name = 'E2eComponentMissingError';
  constructor(
    readonly binary: E2eBinaryName,
    readonly detail: string,
  ) {
    super(`${binary} for the e2e ${detail} — run \`npm run setup -- --e2e\``);
  }
}

export class E2eBuildError extends Error {
  override readonly name = 'E2eBuildError';
  constructor(
    readonly family: E2eFamilyName,
    readonly detail: string,
  ) {
    super(`building the e2e ${family} binaries failed (packages/toolchain/e2e/${family}): ${lastLines(detail.trim(), 30)}${proxyRefusalHint(detail)}`);
  }
}

export type E2eAction = { family: E2eFamilyName; version: string; action: 'built' | 'present'; seconds?: number };

type Recorded = { version: string; fingerprint: string };
type RecordedBuilds = Partial<Record<E2eBinaryName, Recorded>>;

/** Where `name` is installed; use checkE2eBinary to also know it is the pinned build. */
export const e2eBinaryPath = (root: string, name: E2eBinaryName): string => join(toolBinDir(root), name);
const recordFile = (root: string): string => join(toolBinDir(root), 'e2e-versions.json');

export function readE2eBuilds(root: string): RecordedBuilds {
  return readRecord<RecordedBuilds>(recordFile(root));
}

function recordBuilds(root: string, family: E2eFamily, fingerprint: string): void {
  const entries: RecordedBuilds = {};
  for (const binary of family.binaries) entries[binary.name] = { version: e2eBinaryModuleVersion(family, binary), fingerprint };
  updateRecord<RecordedBuilds>(recordFile(root), entries);
}

/** Hash of everything that decides the build: pins, the wrapper go.mod/go.sum, flags. */
export function familyFingerprint(root: string, family: E2eFamily): string {
  const dir = e2eModuleDir(root, family.name);
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ family, flags: buildFlags(family) }));
  for (const file of ['go.mod', 'go.sum']) hash.update(`\0${file}\0`).update(existsSync(join(dir, file)) ? readFileSync(join(dir, file)) : '');
  return hash.digest('hex').slice(0, 16);
}

function familyOf(name: E2eBinaryName): E2eFamily {
  return E2E_FAMILIES[E2E_FAMILY_NAMES.find((f) => E2E_FAMILIES[f].binaries.some((b) => b.name === name))!];
}

/**
 * Resolves to the binary's path when the pinned build is installed; throws E2eComponentMissingError
 * (with the remedy) otherwise. Cheap: reads e2e-versions.json, runs nothing.
 */
export function checkE2eBinary(root: string, name: E2eBinaryName): string {
  const family = familyOf(name);
  const path = e2eBinaryPath(root, name);
  if (!existsSync(path)) throw new E2eComponentMissingError(name, `is not installed in .tools/bin`);
  const recorded = readE2eBuilds(root)[name];
  const fingerprint = familyFingerprint(root, family);
  if (recorded?.fingerprint !== fingerprint) {
    const at = recorded ? `${recorded.version} (build ${recorded.fingerprint})` : 'an unrecorded build';
    throw new E2eComponentMissingError(name, `in .tools/bin is ${at}, not ${e2eBinaryModuleVersion(family, family.binaries.find((b) => b.name === name)!)} (build ${fingerprint})`);
  }
  return path;
}

/** Every e2e binary's path, keyed by name; throws on the first one missing or stale. */
export function e2eBinaryPaths(root: string): Record<E2eBinaryName, string> {
  const paths = {} as Record<E2eBinaryName, string>;
  for (const family of E2E_FAMILY_NAMES) for (const { name } of E2E_FAMILIES[family].binaries) paths[name] = checkE2eBinary(root, name);
  return paths;
}

/** What is wrong between versions.ts and a family's committed go.mod/go.sum; empty when they agree. */
export function e2eFamilyProblems(family: E2eFamily, goMod: string, goSum: string): string[] {
  const problems = pinProblems(goMod, goSum, family.modules).map((p) => `${family.name}: ${p}`);
  const replaces = parseGoModReplaces(goMod);
  for (const { module, version } of family.replaces ?? []) {
    const to = replaces.get(module);
    if (to?.module !== module || to.version !== version) problems.push(`${family.name}: go.mod should \`replace ${module} => ${module} ${version}\`${to ? `, not => ${to.module} ${to.version}` : ''}`);
  }
  const tools = parseGoModTools(goMod);
  const packages = family.binaries.map((b) => b.package);
  for (const pkg of packages) if (!tools.includes(pkg)) problems.push(`${family.name}: go.mod has no \`tool ${pkg}\` (go mod tidy would drop what it needs)`);
  for (const tool of tools) if (!packages.includes(tool)) problems.push(`${family.name}: go.mod has \`tool ${tool}\`, which versions.ts does not build`);
  return problems;
}

function assertFamilyPinned(root: string, family: E2eFamily): void {
  const dir = e2eModuleDir(root, family.name);
  const read = (file: string) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : '');
  const problems = e2eFamilyProblems(family, read('go.mod'), read('go.sum'));
  if (problems.length > 0) throw new PinMismatchError(problems, `packages/toolchain/e2e/${family.name}`);
}

function buildFlags(family: E2eFamily): string[] {
  // -mod=readonly: the committed go.sum is the whole truth; a missing hash fails instead of being added.
  return ['-mod=readonly', '-trimpath', `-ldflags=${['-s', '-w', family.ldflags].filter(Boolean).join(' ')}`];
}

/** The file name `go build -o <dir>/` gives a main package: its last element, or the one before a /vN suffix. */
export function goExecName(pkg: string): string {
  const parts = pkg.split('/');
  const last = parts.at(-1)!;
  return /^v\d+$/.test(last) && parts.length > 1 ? parts.at(-2)! : last;
}

export type EnsureE2eOptions = {
  runner?: Runner;
  log?: (line: string) => void;
  /** Families built at once (each `go build` already uses every core; two overlap downloads and links). */
  concurrency?: number;
  /** Niceness of the builds, so a long cold build does not starve the machine. */
  niceness?: number;
};

/** Builds every e2e family whose binaries are missing or stale, small families first. */
export async function ensureE2eComponents(root: string, options: EnsureE2eOptions = {}): Promise<E2eAction[]> {
  const runner = options.runner ?? exec;
  const log = options.log ?? (() => undefined);
  const stale: E2eFamily[] = [];
  const actions: E2eAction[] = [];
  for (const name of E2E_FAMILY_NAMES) {
    const family = E2E_FAMILIES[name];
    try {
      for (const binary of family.binaries) checkE2eBinary(root, binary.name);
      actions.push({ family: name, version: family.version, action: 'present' });
    } catch (error) {
      if (!(error instanceof E2eComponentMissingError)) throw error;
      stale.push(family);
    }
  }
  if (stale.length === 0) return actions;
  for (const family of stale) assertFamilyPinned(root, family);
  await checkGo(root, runner);
  mkdirSync(toolBinDir(root), { recursive: true });
  mkdirSync(goModCacheDir(root), { recursive: true });
  const queue = [...stale];
  const worker = async () => {
    for (let family = queue.shift(); family; family = queue.shift()) {
      const started = performance.now();
      log(`building ${family.name} ${family.version} for the e2e: ${family.binaries.map((b) => b.name).join(', ')}`);
      await buildFamily(root, family, runner, options.niceness ?? 10);
      const seconds = Math.round((performance.now() - started) / 100) / 10;
      log(`  ${family.name} built in ${seconds}s`);
      actions.push({ family: family.name, version: family.version, action: 'built', seconds });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 2, stale.length)) }, worker));
  return actions;
}

async function buildFamily(root: string, family: E2eFamily, runner: Runner, niceness: number): Promise<void> {
  const fingerprint = familyFingerprint(root, family);
  const out = join(toolsDir(root), 'e2e-build', `${family.name}.${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  try {
    const args = ['build', ...buildFlags(family), '-o', `${out}/`, ...family.binaries.map((b) => b.package)];
    const result = await runner('go', args, { cwd: e2eModuleDir(root, family.name), env: goEnv(root), timeoutMs: 75 * 60_000, niceness });
    if (result.exitCode !== 0) throw new E2eBuildError(family.name, result.stderr || `exit ${result.exitCode}`);
    for (const binary of family.binaries) {
      const built = join(out, goExecName(binary.package));
      if (!existsSync(built)) throw new E2eBuildError(family.name, `go build left no ${goExecName(binary.package)} in ${out} (found: ${readdirSync(out).join(', ') || 'nothing'})`);
      await assertBuildInfo(root, built, family, binary, runner);
    }
    // Every binary of the family is verified before any replaces an installed one.
    for (const binary of family.binaries) renameSync(join(out, goExecName(binary.package)), e2eBinaryPath(root, binary.name));
    recordBuilds(root, family, fingerprint);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The module Go embedded in the binary is the pinned one (`dep`/`mod` line of `go version -m`). */
async function assertBuildInfo(root: string, path: string, family: E2eFamily, binary: E2eBinaryPin, runner: Runner): Promise<void> {
  const result = await runner('go', ['version', '-m', path], { env: goEnv(root), timeoutMs: 60_000 });
  const expected = e2eBinaryModuleVersion(family, binary);
  const found = result.exitCode === 0 ? buildInfoModuleVersion(result.stdout, binary.module) : undefined;
  if (found !== expected) throw new E2eBuildError(family.name, `${binary.name} embeds ${binary.module} ${found ?? '(not found)'}, expected ${expected}`);
}

/** The version of `module` in `go version -m` output (`\tdep\t<module>\t<version>\t<sum>`, or `=> ` replaced). */
export function buildInfoModuleVersion(text: string, module: string): string | undefined {
  for (const line of text.split('\n')) {
    const [kind, path, version] = line.trim().split(/\s+/);
    if ((kind === 'dep' || kind === 'mod') && path === module) return version;
  }
  return undefined;
}

export type E2eCheck = { binary: E2eBinaryName; problem?: string };

/** `npm run setup -- --check --e2e`: what is missing, nothing built. */
export function checkE2eComponents(root: string): E2eCheck[] {
  return E2E_FAMILY_NAMES.flatMap((family) =>
    E2E_FAMILIES[family].binaries.map(({ name }) => {
      try {
        checkE2eBinary(root, name);
        return { binary: name };
      } catch (error) {
        if (!(error instanceof E2eComponentMissingError)) throw error;
        return { binary: name, problem: error.message };
      }
    }),
  );
}
