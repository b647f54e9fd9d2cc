import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_SETTINGS } from '../lambdas/adapters/settings';
import type { GatewayConfig } from '../lambdas/core/config/webhook';
import { CliError } from './errors';
import type { GatewayResources } from './gateway-resources';

/**
 * The local state directory (it ignores itself in git): the running gateway's endpoints,
 * development secrets, large payloads, and the data folder (history and executions). `--state-dir`, else WEBHOOK_GATEWAY_STATE_DIR, else `.webhook-gateway/` next to
 * the nearest cdk.json (the project root), else in the current directory.
 */
export function stateDir(option?: string, cwd = process.cwd()): string {
  if (option) return resolve(cwd, option);
  const fromEnv = process.env.WEBHOOK_GATEWAY_STATE_DIR;
  if (fromEnv) return resolve(cwd, fromEnv);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'cdk.json'))) return join(dir, '.webhook-gateway');
    if (dirname(dir) === dir) return join(resolve(cwd), '.webhook-gateway');
  }
}

/** Where each secret of a webhook comes from (`<webhook>` or `<webhook>.<ref>`). */
export type SecretSource =
  | { readonly kind: 'env'; readonly variable: string }
  | { readonly kind: 'file'; readonly file: string }
  | { readonly kind: 'dev'; readonly file: string }
  | { readonly kind: 'none' };

/** One gateway of the app as the local gateway serves it: its resources, config and secrets' sources. */
export interface LocalGatewayEntry extends GatewayResources {
  readonly stackName: string;
  readonly config: GatewayConfig;
  readonly secretSources: Readonly<Record<string, SecretSource>>;
}

/** What a running `webhook-gateway local` writes to `<state dir>/gateway.json`. */
export interface LocalGatewayState {
  readonly pid: number;
  /** Base URL, e.g. `http://127.0.0.1:8787`. */
  readonly url: string;
  readonly startedAt: string;
  readonly app: string;
  readonly endpoints: { readonly dynamodb: string; readonly sqs: string };
  readonly region: string;
  readonly payloadDir: string;
  /** Where the executions are recorded (`webhook-gateway executions` reads them). */
  readonly executionsDir: string;
  /** History and executions are kept in the data folder (not `--in-memory`). */
  readonly persistent: boolean;
  readonly secretsFile?: string;
  readonly gateways: readonly LocalGatewayEntry[];
}

const STATE_FILE = 'gateway.json';

export function writeState(dir: string, state: LocalGatewayState): void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, STATE_FILE);
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** Removes the state file if it is still this process's. */
export function removeState(dir: string, pid = process.pid): void {
  const state = readStateFile(dir);
  if (state?.pid === pid) rmSync(join(dir, STATE_FILE), { force: true });
}

/** State files written before dedup markers existed lack these settings: the handlers' defaults apply. */
const SETTINGS_ADDED_LATER = {
  dedupRetentionDays: DEFAULT_SETTINGS.dedupRetentionDays,
  ingestTimeoutSeconds: DEFAULT_SETTINGS.ingestTimeoutSeconds,
};

function readStateFile(dir: string): LocalGatewayState | undefined {
  try {
    const state = JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')) as LocalGatewayState;
    return { ...state, gateways: state.gateways.map((g) => ({ ...SETTINGS_ADDED_LATER, ...g })) };
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running local gateway of this state directory, if one answers. */
export async function runningGateway(dir: string): Promise<LocalGatewayState | undefined> {
  const state = readStateFile(dir);
  if (!state || !alive(state.pid)) return undefined;
  try {
    const response = await fetch(`${state.url}/_local/status`, { signal: AbortSignal.timeout(2000) });
    const status = (await response.json()) as { pid?: number };
    return status.pid === state.pid ? state : undefined;
  } catch {
    return undefined;
  }
}

export const NOT_RUNNING =
  'the local gateway is not running: start it with `npm start` (or `npx webhook-gateway local`) in the project directory, or pass --stack NAME for a deployed gateway';

export async function requireRunningGateway(dir: string): Promise<LocalGatewayState> {
  const state = await runningGateway(dir);
  if (!state) throw new CliError(NOT_RUNNING);
  return state;
}
