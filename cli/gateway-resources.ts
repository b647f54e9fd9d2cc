import type { IngestResources } from '../lambdas/ingest/aws-deps';

/**
 * One gateway's tables, queues and bucket, with the settings its ingest reads alongside them (all
 * but the body size ceiling, which is the same everywhere): what the local gateway's state file
 * records for each of its gateways, and what the commands find through a deployed stack's outputs
 * (target.ts).
 */
export interface GatewayResources extends IngestResources {
  /** Output key prefix (the construct id without non-alphanumerics). */
  readonly id: string;
  readonly deadLetterQueueUrl: string;
  readonly payloadBucket: string;
}
