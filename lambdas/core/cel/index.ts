export * from './compile';
export { celEnvironment, VARIABLES, type CelEnvironmentName } from './environment';
export { patternError } from './regex';
