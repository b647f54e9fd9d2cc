import { CliError } from '../errors';

/** The read-only actions `listen` needs on the deployed side (docs/cli.md#listen). */
export const LISTEN_ACTIONS = [
  'cloudformation:DescribeStacks',
  'dynamodb:Query',
  's3:GetObject',
  'kms:Decrypt',
] as const;

export type ListenAction = (typeof LISTEN_ACTIONS)[number];

/** Whether AWS refused the call for want of a permission. */
export function isAccessDenied(error: unknown): boolean {
  const { name = '', message = '' } = (error ?? {}) as { name?: string; message?: string };
  return (
    name === 'AccessDeniedException' ||
    name === 'AccessDenied' ||
    name === 'KMSAccessDeniedException' ||
    /not authorized to perform/i.test(message)
  );
}

/**
 * The call (`action` on `resource`) as a one-line error naming the permission that is missing: the
 * KMS action when AWS says the key refused (a table or an object encrypted with the gateway's key).
 * Other errors are returned as they are.
 */
export function deniedPermission(error: unknown, action: ListenAction, resource: string): unknown {
  if (!isAccessDenied(error)) return error;
  const message = (error as Error).message ?? '';
  const kms = /kms/i.test(`${(error as Error).name} ${message}`);
  const missing = kms ? `kms:Decrypt on the gateway's key (…EncryptionKeyArn output)` : `${action} on ${resource}`;
  return new CliError(
    `AWS denied ${missing}: listen needs read-only access — ${LISTEN_ACTIONS.join(', ')} (docs/cli.md#listen lists the resources). AWS said: ${message.split('\n')[0]}`,
    undefined,
    { cause: error },
  );
}
