import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbConfigStore } from '../lambdas/adapters/dynamodb-config';
import { FilesystemPayloadStore } from '../lambdas/adapters/fs-payloads';
import type { PayloadStore } from '../lambdas/adapters/ports';
import { S3PayloadStore } from '../lambdas/adapters/s3-payloads';
import { DEFAULT_SETTINGS } from '../lambdas/adapters/settings';
import type { RouteConfig, WebhookConfig } from '../lambdas/core/config/webhook';
import { gatewayOutputKey, readGatewayOutputs, type GatewayOutputValues } from '../lib/outputs';
import { CliError } from './errors';
import { didYouMean } from './suggest';
import type { GatewayResources } from './gateway-resources';
import { LOCAL_CREDENTIALS } from './local/backends';
import { requireRunningGateway, type LocalGatewayEntry, type LocalGatewayState } from './state';

/** One gateway of the target: its resources, the webhooks it serves and where. */
export interface TargetGateway extends GatewayResources {
  readonly webhooks: readonly string[];
  /** Base URL that `webhooks/<name>` is appended to. */
  readonly baseUrl: string;
}

/**
 * A gateway the commands work on — the running local gateway (its endpoints from the state
 * directory) or a deployed stack (its outputs) — with SDK clients for it: the same adapters and
 * code paths either way.
 */
export interface Target {
  readonly mode: 'local' | 'deployed';
  /** For messages: `the local gateway (http://…)` or `stack X in eu-west-1`. */
  readonly label: string;
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly gateways: readonly TargetGateway[];
  /** The local gateway's state, in local mode. */
  readonly local?: LocalGatewayState;
  gatewayFor(webhook: string): TargetGateway;
  /** The webhook's stored config (from the config table, as the handlers read it). */
  webhook(name: string): Promise<{ gateway: TargetGateway; config: WebhookConfig; routes: readonly RouteConfig[] }>;
  payloads(gateway: TargetGateway): PayloadStore;
  secretsManager(): SecretsManagerClient;
  close(): void;
}

export interface TargetOptions {
  readonly stack?: string;
  readonly region?: string;
  readonly stateDir: string;
}

/**
 * The stack's outputs cannot name a gateway: `problem` says what is wrong, `fix` what to do (the
 * message is both, as one line).
 */
export class StackOutputsError extends CliError {
  constructor(
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${problem}: ${fix}`);
    this.name = 'StackOutputsError';
  }
}

export async function resolveTarget(options: TargetOptions): Promise<Target> {
  return options.stack !== undefined ? deployedTarget(options.stack, options.region) : localTarget(options.stateDir);
}

async function localTarget(stateDir: string): Promise<Target> {
  const state = await requireRunningGateway(stateDir);
  const common = { region: state.region, credentials: LOCAL_CREDENTIALS };
  const dynamodb = new DynamoDBClient({ ...common, endpoint: state.endpoints.dynamodb });
  const sqs = new SQSClient({ ...common, endpoint: state.endpoints.sqs });
  return target({
    mode: 'local',
    label: `the local gateway (${state.url})`,
    dynamodb,
    sqs,
    gateways: state.gateways.map((g) => gatewayOfState(g, state.url)),
    local: state,
    payloads: (g) => new FilesystemPayloadStore(state.payloadDir, g.payloadBucket),
    secretsManager: () => {
      throw new CliError('the local gateway keeps no secrets in Secrets Manager');
    },
  });
}

async function deployedTarget(stackName: string, region: string | undefined): Promise<Target> {
  const config = region !== undefined ? { region } : {};
  const cloudformation = new CloudFormationClient(config);
  let outputs;
  try {
    const described = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = described.Stacks?.[0]?.Outputs ?? [];
  } catch (error) {
    if ((error as Error).name === 'ValidationError' && /does not exist/.test((error as Error).message)) {
      const where = region ?? process.env.AWS_REGION ?? 'the default region';
      throw new StackOutputsError(`stack "${stackName}" does not exist in ${where}`, 'check --stack and --region');
    }
    if (/Region is missing/i.test((error as Error).message)) await credentialsFirst(cloudformation);
    throw error;
  } finally {
    cloudformation.destroy();
  }
  const gateways = Object.entries(readGatewayOutputs(outputs)).map(([id, o]) => gatewayOfOutputs(stackName, id, o));
  if (gateways.length === 0) {
    throw new StackOutputsError(
      `stack "${stackName}" has no webhook gateway outputs (…ApiUrl, …HistoryTable)`,
      'is it the stack that holds the WebhookGateway, and was the gateway deployed with its outputs (not `outputs: false`)?',
    );
  }
  const dynamodb = new DynamoDBClient(config);
  const sqs = new SQSClient(config);
  let s3: S3Client | undefined;
  let secrets: SecretsManagerClient | undefined;
  return target({
    mode: 'deployed',
    label: `stack "${stackName}"${region ? ` in ${region}` : ''}`,
    dynamodb,
    sqs,
    gateways,
    payloads: (g) => new S3PayloadStore((s3 ??= new S3Client(config)), g.payloadBucket),
    secretsManager: () => (secrets ??= new SecretsManagerClient(config)),
    onClose: () => {
      s3?.destroy();
      secrets?.destroy();
    },
  });
}

/**
 * Without a region, the SDK fails on the region before it looks for credentials. Someone with
 * neither needs credentials first (`aws configure` asks for both): throw the credentials error
 * when there are none, else let the region error stand.
 */
async function credentialsFirst(client: CloudFormationClient): Promise<void> {
  await client.config.credentials();
}

/** A gateway of the local gateway's state file. */
function gatewayOfState(entry: LocalGatewayEntry, url: string): TargetGateway {
  return { ...entry, webhooks: entry.config.webhooks.map((w) => w.name), baseUrl: `${url}/` };
}

/**
 * A gateway of a stack, from its outputs. The settings the outputs do not name are the handlers'
 * defaults (a replay records its history item with them).
 */
function gatewayOfOutputs(stackName: string, id: string, o: GatewayOutputValues): TargetGateway {
  const missing = (
    ['webhookPaths', 'configTable', 'historyTable', 'queueUrl', 'deadLetterQueueUrl', 'payloadBucket'] as const
  ).filter((k) => o[k] === undefined);
  if (missing.length > 0) {
    throw new StackOutputsError(
      `stack "${stackName}" lacks the outputs ${missing.map((k) => gatewayOutputKey(id, k)).join(', ')} of gateway "${id}"`,
      'deploy it with this version of the constructs (cdk deploy)',
    );
  }
  return {
    id,
    webhooks: o.webhookPaths !== 'none' ? o.webhookPaths!.split(',').map((p) => p.replace(/^webhooks\//, '')) : [],
    configTable: o.configTable!,
    historyTable: o.historyTable!,
    queueUrl: o.queueUrl!,
    deadLetterQueueUrl: o.deadLetterQueueUrl!,
    payloadBucket: o.payloadBucket!,
    historyRetentionDays: DEFAULT_SETTINGS.historyRetentionDays,
    dedupRetentionDays: DEFAULT_SETTINGS.dedupRetentionDays,
    ingestTimeoutSeconds: DEFAULT_SETTINGS.ingestTimeoutSeconds,
    historyBodyLimit: DEFAULT_SETTINGS.historyBodyLimit,
    baseUrl: o.apiUrl!.endsWith('/') ? o.apiUrl! : `${o.apiUrl}/`,
  };
}

function target(parts: {
  mode: Target['mode'];
  label: string;
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  gateways: TargetGateway[];
  local?: LocalGatewayState;
  payloads: Target['payloads'];
  secretsManager: Target['secretsManager'];
  onClose?: () => void;
}): Target {
  const gatewayFor = (webhook: string) => {
    const found = parts.gateways.find((g) => g.webhooks.includes(webhook));
    if (found) return found;
    const known = parts.gateways.flatMap((g) => g.webhooks);
    throw new CliError(
      `unknown webhook "${webhook}"${didYouMean(webhook, known)}: ${parts.label} has ${known.length > 0 ? known.join(', ') : 'no webhooks'}`,
    );
  };
  return {
    ...parts,
    gatewayFor,
    async webhook(name) {
      const gateway = gatewayFor(name);
      const loaded = await new DynamoDbConfigStore(parts.dynamodb, gateway.configTable, 0).load(name);
      if (!loaded) throw new CliError(`webhook "${name}" is not in the config table of ${parts.label}: deploy again`);
      return { gateway, config: loaded.config, routes: loaded.routes };
    },
    close() {
      parts.dynamodb.destroy();
      parts.sqs.destroy();
      parts.onClose?.();
    },
  };
}
