export { exec, execOrThrow, ExecError, EXIT_COMMAND_NOT_FOUND, EXIT_TIMED_OUT, EXIT_OUTPUT_LIMIT, type ExecOptions, type ExecResult, type Runner } from './exec.ts';
export { findRepoRoot, toolsDir, toolBinDir, goModCacheDir, sourcesModuleDir, RepoRootNotFoundError } from './repo.ts';
export {
  TOOL_NAMES,
  TOOL_PINS,
  KUBERNETES,
  KUBERNETES_VERSION,
  CRD_SOURCE_NAMES,
  CRD_SOURCES,
  sourceModulePins,
  type ToolName,
  type ToolPin,
  type ModulePin,
  type CrdSource,
  type CrdSourceName,
  type CrdModulePin,
} from './versions.ts';
export { checkGo, downloadModule, downloadModules, goInstall, goEnv, GoMissingError, GoDownloadError, PinMismatchError } from './gomod.ts';
export { ensureTools, checkTool, toolPath, probeToolVersion, readInstalledVersions, ToolMissingError, type ToolAction, type CheckToolOptions } from './tools.ts';
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
