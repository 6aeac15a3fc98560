export { discoverFluxKustomizations, listFluxClusters, locateField, rawYaml, isFluxKustomization, normalisePath, RenderSession } from './render.ts';
export { Builder, limiter, firstErrorLine, kustomizationFile, overlayOf, KUSTOMIZATION_FILES, type BuildResult, type BuiltObject, type Overlay, type Located } from './build.ts';
export { extractCommit, includedPaths, GitSourceError } from './git.ts';
export { substitute, SUBSTITUTE_DISABLED } from './substitute.ts';
export { parseYamlFile, parseStream, type ManifestObject, type Position, type SourceDoc, type YamlProblem, type ParsedFile } from './yaml.ts';
export * from './types.ts';
export { documentText, lazyObject, parseManifestStream, scanDocuments, splitDocuments } from './lazy.ts';
export { parseYamlFast, parseYamlFastWith, YAML_CORE_SCHEMA, type FastParse } from './fast-yaml.ts';
export { RenderCache, InputHasher, renderCacheFor, cacheOption, RENDER_CACHE_ENV, RENDER_CACHE_VERSION, type RenderCacheStats } from './cache.ts';
