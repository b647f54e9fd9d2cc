export * from './compile';
export { celEnvironment, VARIABLES, type CelEnvironmentName } from './environment';
export { loadRegexEngine, patternError, RegexEngineNotLoadedError, usesRegex } from './regex';
