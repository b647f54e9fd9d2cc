import { ENV } from '../core/config/environment';

/** What the handlers read from their environment (lambdas/core/config/environment.ts). */
export interface Settings {
  readonly configTable: string;
  readonly historyTable: string;
  readonly queueUrl: string;
  readonly payloadBucket: string;
  readonly gatewayId: string;
  /** Days a history item (and its body) lives. */
  readonly historyRetentionDays: number;
  /** Days a dedup marker lives; never less than the history. */
  readonly dedupRetentionDays: number;
  /** The ingest function's timeout: the lease of a pending claim. */
  readonly ingestTimeoutSeconds: number;
  readonly configCacheSeconds: number;
  /** Largest raw body kept inline in a history item. */
  readonly historyBodyLimit: number;
}

export const DEFAULT_SETTINGS = {
  gatewayId: 'default',
  historyRetentionDays: 30,
  dedupRetentionDays: 90,
  ingestTimeoutSeconds: 15,
  configCacheSeconds: 30,
  historyBodyLimit: 64 * 1024,
} as const;

type Required = 'configTable' | 'historyTable' | 'queueUrl' | 'payloadBucket';

export class MissingSettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingSettingError';
  }
}

/** Reads the settings; the names in `required` must be set (a deployment error otherwise). */
export function readSettings(
  env: Readonly<Record<string, string | undefined>>,
  required: readonly Required[],
): Settings {
  const text = (key: keyof typeof ENV): string => env[ENV[key]] ?? '';
  for (const key of required) {
    if (text(key) === '') throw new MissingSettingError(`environment variable ${ENV[key]} is not set`);
  }
  const historyRetentionDays = positive(env, 'historyRetentionDays', DEFAULT_SETTINGS.historyRetentionDays);
  return {
    configTable: text('configTable'),
    historyTable: text('historyTable'),
    queueUrl: text('queueUrl'),
    payloadBucket: text('payloadBucket'),
    gatewayId: text('gatewayId') || DEFAULT_SETTINGS.gatewayId,
    historyRetentionDays,
    dedupRetentionDays: Math.max(
      historyRetentionDays,
      positive(env, 'dedupRetentionDays', Math.max(DEFAULT_SETTINGS.dedupRetentionDays, historyRetentionDays)),
    ),
    ingestTimeoutSeconds: positive(env, 'ingestTimeoutSeconds', DEFAULT_SETTINGS.ingestTimeoutSeconds),
    configCacheSeconds: positive(env, 'configCacheSeconds', DEFAULT_SETTINGS.configCacheSeconds, true),
    historyBodyLimit: positive(env, 'historyBodyLimit', DEFAULT_SETTINGS.historyBodyLimit, true),
  };
}

function positive(
  env: Readonly<Record<string, string | undefined>>,
  key: keyof typeof ENV,
  fallback: number,
  zeroAllowed = false,
): number {
  const raw = env[ENV[key]];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !zeroAllowed)) {
    throw new MissingSettingError(
      `environment variable ${ENV[key]} must be a ${zeroAllowed ? 'non-negative' : 'positive'} number, got "${raw}"`,
    );
  }
  return n;
}
