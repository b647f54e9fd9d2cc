import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENV } from '../../lambdas/core/config/environment';
import { DEFAULTS } from './defaults';
import type { FunctionSettings } from './function-options';
import { Handler } from './functions';
import * as grants from './permissions';

export interface HandlersOptions {
  readonly key: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
  readonly historyRetention: Duration;
  readonly dedupRetention: Duration;
  readonly gatewayName: string;
  readonly secretPrefix: string;
  readonly configTable: dynamodb.ITable;
  readonly historyTable: dynamodb.ITable;
  readonly queue: sqs.IQueue;
  readonly payloadBucket: s3.IBucket;
  /** The ingest function's and the dispatcher's settings (`ingestFunctionProps`, `dispatcherFunctionProps`). */
  readonly ingestSettings: HandlerSettings;
  readonly dispatcherSettings: HandlerSettings;
}

export interface HandlerSettings {
  readonly settings: FunctionSettings;
  readonly logRetention: logs.RetentionDays;
}

export interface Handlers {
  readonly ingest: Handler;
  readonly authorizer: Handler;
  readonly dispatcher: Handler;
  readonly writer: Handler;
  readonly sweeper: Handler;
}

/**
 * The five functions with the environment variables of lambdas/core/config/environment.ts (only
 * those each reads), their least-privilege grants, the dispatcher's queue subscription and the
 * sweeper's schedule.
 */
export function createHandlers(scope: Construct, o: HandlersOptions): Handlers {
  const common = {
    [ENV.gatewayId]: o.gatewayName,
    [ENV.historyRetentionDays]: String(o.historyRetention.toDays({ integral: false })),
  };
  const configCache = { [ENV.configCacheSeconds]: String(DEFAULTS.configCacheSeconds) };
  const handler = (
    id: string,
    kind: ConstructorParameters<typeof Handler>[2],
    environment: Record<string, string>,
    own?: HandlerSettings,
  ) =>
    new Handler(scope, id, kind, {
      key: o.key,
      removalPolicy: o.removalPolicy,
      logRetention: own?.logRetention ?? o.logRetention,
      environment: { ...common, ...environment },
      ...(own && { settings: own.settings }),
    });

  const handlers: Handlers = {
    ingest: handler(
      'Ingest',
      'ingest',
      {
        ...configCache,
        [ENV.configTable]: o.configTable.tableName,
        [ENV.historyTable]: o.historyTable.tableName,
        [ENV.queueUrl]: o.queue.queueUrl,
        [ENV.payloadBucket]: o.payloadBucket.bucketName,
        [ENV.historyBodyLimit]: String(DEFAULTS.historyBodyLimitBytes),
        [ENV.dedupRetentionDays]: String(o.dedupRetention.toDays({ integral: false })),
        // The lease of a pending claim: an ingest attempt cannot outlive its function's timeout.
        [ENV.ingestTimeoutSeconds]: String(o.ingestSettings.settings.timeout.toSeconds()),
      },
      o.ingestSettings,
    ),
    authorizer: handler('Authorizer', 'authorizer', { ...configCache, [ENV.configTable]: o.configTable.tableName }),
    dispatcher: handler(
      'Dispatcher',
      'dispatcher',
      { [ENV.historyTable]: o.historyTable.tableName },
      o.dispatcherSettings,
    ),
    writer: handler('ConfigWriter', 'configWriter', { [ENV.configTable]: o.configTable.tableName }),
    sweeper: handler('Sweeper', 'sweeper', { [ENV.historyTable]: o.historyTable.tableName }),
  };
  const resources = { ...o, key: o.key };
  grants.grantIngest(handlers.ingest.function, resources);
  grants.grantAuthorizer(handlers.authorizer.function, resources);
  grants.grantDispatcher(handlers.dispatcher.function, resources);
  grants.grantConfigWriter(handlers.writer.function, resources);
  grants.grantSweeper(handlers.sweeper.function, resources);
  new events.Rule(scope, 'SweepSchedule', {
    description: `Sweeps pending webhook deliveries of ${scope.node.path}`,
    schedule: events.Schedule.rate(DEFAULTS.sweepInterval),
    targets: [new targets.LambdaFunction(handlers.sweeper.function, { retryAttempts: 0 })],
  });
  handlers.dispatcher.function.addEventSource(
    new SqsEventSource(o.queue, { batchSize: 10, reportBatchItemFailures: true }),
  );
  return handlers;
}
