export { exec, execOrThrow, ExecError, EXIT_COMMAND_NOT_FOUND, EXIT_TIMED_OUT, EXIT_OUTPUT_LIMIT, type ExecOptions, type ExecResult, type Runner } from './exec.ts';
export { startProgress, progressShown, onToolRun, noteToolRun, type Progress, type ProgressStream, type ToolRun } from './progress.ts';
export { findRepoRoot, toolsDir, toolBinDir, goModCacheDir, sourcesModuleDir, e2eModuleDir, RepoRootNotFoundError } from './repo.ts';
export {
  TOOL_NAMES,
  TOOL_PINS,
  KUBERNETES,
  KUBERNETES_VERSION,
  CRD_SOURCE_NAMES,
  CRD_SOURCES,
  sourceModulePins,
  E2E_FAMILIES,
  E2E_FAMILY_NAMES,
  e2eBinaryModuleVersion,
  type E2eFamily,
  type E2eFamilyName,
  type E2eBinaryName,
  type E2eBinaryPin,
  type ToolName,
  type ToolPin,
  type ModulePin,
  type CrdSource,
  type CrdSourceName,
  type CrdModulePin,
} from './versions.ts';
export {
  checkGo,
  downloadModule,
  downloadModules,
  goInstall,
  goEnv,
  platformGoProxy,
  PLATFORM_GOPROXY_VAR,
  GoMissingError,
  GoDownloadError,
  GoBuildTimeoutError,
  GO_INSTALL_TIMEOUT_MS,
  GoProxySettingError,
  PinMismatchError,
} from './gomod.ts';
export {
  ensureE2eComponents,
  checkE2eBinary,
  checkE2eComponents,
  e2eBinaryPath,
  e2eBinaryPaths,
  E2eComponentMissingError,
  E2eBuildError,
  type E2eAction,
} from './e2e.ts';
export { ensureTools, checkTool, installedTool, toolPath, probeToolVersion, readInstalledVersions, ToolMissingError, type ToolAction, type CheckToolOptions } from './tools.ts';
export { loadCrds, parseCrds, renderHelmCrdTemplate, CrdSourceError, type Crd, type CrdVersion } from './crds.ts';
export { swaggerToSchemas, crdToSchemas, coreSchemaFileName, crdSchemaFileName, SchemaConversionError, type JsonSchema, type SchemaFile } from './openapi.ts';
export {
  ensureSchemas,
  schemaLocations,
  listSchemaKinds,
  schemaKindKey,
  schemasDir,
  schemasAreFresh,
  CONVERTER_VERSION,
  CORE_SCHEMA_FOLDER,
  SchemasMissingError,
  type EnsureSchemasResult,
} from './schemas.ts';
export { runSetup, type SetupMode, type SetupExitCode } from './setup.ts';
export { confinement, runConfined, resetConfinement, SandboxUnavailableError, DEFAULT_MEMORY_BYTES, type Confinement, type ConfinedOptions, type ConfinedResult } from './sandbox.ts';
export { span, spanSync, timingsEnabled, timingReport, timingSpans, TIMINGS_ENV } from './timing.ts';
