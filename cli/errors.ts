import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Exit codes of `webhook-gateway`, documented in docs/cli.md#exit-codes. */
export const EXIT = {
  ok: 0,
  /** Something failed at run time: a request, AWS, the local gateway, a missing secret. */
  failure: 1,
  /** The command line is wrong: unknown command or option, a missing or invalid argument. */
  usage: 2,
  /** Stopped by Ctrl-C (SIGINT) or SIGTERM before it finished (`local` stops cleanly with 0). */
  interrupted: 130,
} as const;

/** A failure the user can act on: printed as one line, the process exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}

/** Errors of this tool and the runtime whose message is already meant for the user. */
const OWN_ERRORS = new Set([
  'SynthError',
  'UnresolvableError',
  'InvalidSecretFormatError',
  'SigningError',
  'MissingSettingError',
]);

const NO_CREDENTIALS =
  'no AWS credentials: run `aws configure` (or `aws sso login`), or set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY';

/** One line for any error: AWS SDK errors get the fix that usually applies. */
export function describeFailure(error: unknown): string {
  if (error instanceof CliError) return error.message;
  const e = error as { name?: string; message?: string; code?: string } | undefined;
  const name = e?.name ?? '';
  if (OWN_ERRORS.has(name)) return (e?.message ?? String(error)).split('\n')[0]!;
  const message = (e?.message ?? String(error)).split('\n')[0]!;
  const noCredentials = name === 'CredentialsProviderError' || /Could not load credentials/i.test(message);
  const noRegion = /Region is missing/i.test(message);
  const profile = process.env.AWS_PROFILE;
  // A profile that does not exist fails as "no region" or "no credentials": name the real cause.
  if ((noCredentials || noRegion) && profile && !profileExists(profile)) {
    return `no AWS credentials: profile "${profile}" (AWS_PROFILE) is in neither ~/.aws/config nor ~/.aws/credentials: run \`aws configure --profile ${profile}\` (or \`aws sso login --profile ${profile}\`), or unset AWS_PROFILE`;
  }
  if (noCredentials) return NO_CREDENTIALS;
  if (noRegion) return 'no AWS region: pass --region, or set AWS_REGION or AWS_PROFILE';
  if (name === 'ExpiredTokenException' || name === 'ExpiredToken' || /token.*expired/i.test(message))
    return 'your AWS credentials have expired: sign in again (`aws sso login`, or renew the session)';
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || /not authorized to perform/i.test(message))
    return `AWS denied the request: ${message}`;
  if (e?.code === 'ECONNREFUSED') return `could not connect: ${message}`;
  return name && name !== 'Error' ? `${name}: ${message}` : message;
}

/** Whether the shared config or credentials file has the profile (as `[name]` or `[profile name]`). */
function profileExists(profile: string): boolean {
  const files = [
    process.env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config'),
    process.env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials'),
  ];
  return files.some((file) => {
    try {
      const sections = readFileSync(file, 'utf8').matchAll(/^\s*\[\s*(?:profile\s+)?([^\]]+?)\s*\]/gm);
      return [...sections].some((m) => m[1] === profile);
    } catch {
      return false;
    }
  });
}
