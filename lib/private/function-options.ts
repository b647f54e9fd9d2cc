import { type Duration, Token } from 'aws-cdk-lib';
import type { GatewayFunctionOptions } from '../webhook-gateway-props';
import { type FunctionDefaults, functionDefaults } from './defaults';

/** The user's function settings as a handler takes them: defaults ← valid user settings. */
export interface FunctionSettings extends Omit<FunctionDefaults, 'description'> {
  readonly reservedConcurrentExecutions?: number;
  /** Source maps shipped and enabled (`--enable-source-maps`). @default false */
  readonly sourceMaps?: boolean;
}

/** API Gateway's default integration timeout (REST, regional): the ingest function must answer within it. */
const INTEGRATION_TIMEOUT_SECONDS = 29;
/** Lambda's own limits. */
const MEMORY = { min: 128, max: 10_240 };
const MAX_TIMEOUT_SECONDS = 900;

const known = (n: number | undefined): n is number => n !== undefined && !Token.isUnresolved(n);

/** What is wrong with `options` (the prop `field`), each naming the field, the value and the fix. */
export function functionOptionProblems(
  field: 'ingestFunctionProps' | 'dispatcherFunctionProps',
  options: GatewayFunctionOptions | undefined,
): string[] {
  if (!options) return [];
  const problems: string[] = [];
  const { memorySize, reservedConcurrentExecutions, timeout } = options;
  if (known(memorySize) && (!Number.isInteger(memorySize) || memorySize < MEMORY.min || memorySize > MEMORY.max))
    problems.push(`${field}.memorySize is ${memorySize}: use a whole number of MB from ${MEMORY.min} to ${MEMORY.max}`);
  if (
    known(reservedConcurrentExecutions) &&
    (!Number.isInteger(reservedConcurrentExecutions) || reservedConcurrentExecutions < 1)
  )
    problems.push(
      `${field}.reservedConcurrentExecutions is ${reservedConcurrentExecutions}: use a whole number of at least 1 (0 would stop the function), or leave it out`,
    );
  if (timeout && !Token.isUnresolved(timeout.toMilliseconds())) {
    const seconds = timeout.toSeconds({ integral: false });
    const max = field === 'ingestFunctionProps' ? INTEGRATION_TIMEOUT_SECONDS : MAX_TIMEOUT_SECONDS;
    const why =
      field === 'ingestFunctionProps'
        ? `API Gateway answers 504 after its ${INTEGRATION_TIMEOUT_SECONDS}-second integration timeout, so a longer ingest only keeps running after the sender was told it failed`
        : "Lambda's limit is 15 minutes";
    if (!Number.isInteger(seconds) || seconds < 1)
      problems.push(`${field}.timeout is ${seconds} seconds: use whole seconds, at least 1`);
    else if (seconds > max)
      problems.push(`${field}.timeout is ${seconds} seconds: use at most ${max} seconds (${why})`);
  }
  return problems;
}

/** The settings a handler is built with; invalid user settings (reported at synth) fall back to the defaults. */
export function functionSettings(
  kind: 'ingest' | 'dispatcher',
  options: GatewayFunctionOptions | undefined,
): FunctionSettings {
  const defaults = functionDefaults(kind);
  const field = kind === 'ingest' ? 'ingestFunctionProps' : 'dispatcherFunctionProps';
  const valid = functionOptionProblems(field, options).length === 0 ? options : undefined;
  return {
    memorySize: valid?.memorySize ?? defaults.memorySize,
    timeout: (valid?.timeout ?? defaults.timeout) as Duration,
    ...(valid?.reservedConcurrentExecutions !== undefined && {
      reservedConcurrentExecutions: valid.reservedConcurrentExecutions,
    }),
    ...(options?.sourceMaps === true && { sourceMaps: true }),
  };
}
