import { Annotations, Duration, Lazy, Stack, Token } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { sensitiveHeaders } from '../lambdas/core/verify';
import { WAITER_LIMITS, WAITER_TASK_KIND } from '../lambdas/core/waiters/model';
import { validateWaiter, type WaiterValidationInput } from '../lambdas/core/waiters/validate';
import { createApi } from './private/api';
import { ConfigResource } from './private/config-resource';
import { DEFAULTS } from './private/defaults';
import { functionOptionProblems, functionSettings } from './private/function-options';
import { dedupRetentionOf, replayWindowProblems, retentionProblems } from './private/dedup-checks';
import { Defences } from './private/defences';
import { createEncryptionKey, useEncryptionKey } from './private/encryption';
import { createHandlers } from './private/handlers';
import { ImportedWebhookGateway } from './private/imported-gateway';
import { Monitoring } from './private/monitoring';
import { acknowledgeFindings } from './private/nag';
import { apiKeyValue, defaultSecretPrefix, gatewayName } from './private/naming';
import { defined } from './private/objects';
import { addGatewayOutputs } from './private/outputs';
import { createQueues, deadLetterQueueProblems } from './private/queues';
import { addRoute, type RouteEntry, routeEntry } from './private/routes';
import { createConfigTable, createHistoryTable, createPayloadBucket } from './private/storage';
import {
  aboveStageThrottle,
  checkRoute,
  checkWebhookExpressions,
  checkWebhookOptions,
  nameProblem,
  rateLimitProblems,
  type StageThrottle,
  stageThrottleProblems,
} from './private/validation';
import { waiterIdOf, Waiters } from './private/waiters';
import { WARNINGS, webhookWarningId } from './private/warnings';
import { resolveLimits, WEBHOOK_STACK_COUNT, WebhookStacks } from './private/webhook-stacks';
import type { RouteOptions, Webhook, WebhookOptions } from './webhook';
import { type IWebhookGateway, WebhookGatewayBase } from './webhook-gateway-base';
import type { WaitForWebhookOptions, WebhookGatewayAttributes, WebhookGatewayProps } from './webhook-gateway-props';

/**
 * Receives webhooks on `POST /webhooks/{name}`, verifies them as their provider signs them,
 * turns them into events with CEL, records and deduplicates them, rate-limits each webhook, and
 * starts the Step Functions workflows routed to each event.
 */
export class WebhookGateway extends WebhookGatewayBase {
  /**
   * A gateway defined in another stack or app, by the values of its outputs. It supports grants
   * (`grantReadHistory`, `grantReadPayloads`), metrics and `route` (with `configTableName` and
   * `dispatcherRoleArn`: the importing stack writes and owns its routes); webhooks and waiters can
   * only be added in the stack that defines the gateway.
   */
  static fromGatewayAttributes(scope: Construct, id: string, attrs: WebhookGatewayAttributes): IWebhookGateway {
    return new ImportedWebhookGateway(scope, id, attrs);
  }

  readonly api: apigw.RestApi;
  readonly ingestFunction: nodejs.NodejsFunction;
  readonly authorizerFunction: nodejs.NodejsFunction;
  readonly dispatcherFunction: nodejs.NodejsFunction;
  readonly configWriterFunction: nodejs.NodejsFunction;
  /** Runs every 5 minutes: fails deliveries whose ingest attempt ended before queuing them. */
  readonly sweeperFunction: nodejs.NodejsFunction;
  readonly configTable: dynamodb.Table;
  readonly historyTable: dynamodb.Table;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly payloadBucket: s3.Bucket;
  readonly encryptionKey: kms.IKey;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[];
  /** The `Gateway` dimension of the gateway's metrics. */
  readonly gatewayName: string;
  /** The base URL senders call, ending in `/`: the custom domain's when there is one, else the stage's. */
  readonly url: string;
  /** The AWS WAF web ACL the gateway created (`webAcl`). */
  readonly webAcl?: wafv2.CfnWebACL;
  /** The association of the web ACL (the gateway's or `existingWebAclArn`) with the stage. */
  readonly webAclAssociation?: wafv2.CfnWebACLAssociation;
  /** The custom domain (`customDomain`). */
  readonly domainName?: apigw.DomainName;
  readonly secretPrefix: string;
  private readonly props: WebhookGatewayProps;
  private readonly webhooks = new Map<string, Webhook>();
  private readonly webhookStacks: WebhookStacks;
  private readonly stageThrottle: StageThrottle;
  private readonly routes: RouteEntry[] = [];
  private readonly errors: string[] = [];
  private readonly granted = new Set<ISecret>();
  private readonly config: ConfigResource;
  private waiters?: Waiters;
  private readonly dedupRetention: Duration;
  private readonly defences: Defences;
  private readonly waiterChecks: WaiterValidationInput[] = [];

  constructor(scope: Construct, id: string, props: WebhookGatewayProps = {}) {
    super(scope, id);
    this.props = props;
    this.errors.push(
      ...rateLimitProblems(props.defaultRateLimit).map((e) => `default${e[0]!.toUpperCase()}${e.slice(1)}`),
    );
    this.stageThrottle = { ...DEFAULTS.stageThrottle, ...defined({ ...props.stageThrottle }) };
    this.errors.push(...stageThrottleProblems(this.stageThrottle));
    if ('webhookStacks' in props) {
      this.errors.push(
        `webhookStacks is no longer a prop: a webhook's nested stack is a hash of its name over ${WEBHOOK_STACK_COUNT} fixed nested stacks, so adding, removing or reconfiguring webhooks never moves another one; remove webhookStacks`,
      );
    }
    const removalPolicy = props.removalPolicy ?? DEFAULTS.removalPolicy;
    const historyRetention = props.historyRetention ?? DEFAULTS.historyRetention;
    const dedupRetention = (this.dedupRetention = dedupRetentionOf(props.dedupRetention, historyRetention));
    this.errors.push(...retentionProblems(dedupRetention, historyRetention));
    const logRetention = props.logRetention ?? DEFAULTS.logRetention;
    this.gatewayName = gatewayName(this);
    this.secretPrefix = props.secretPrefix ?? defaultSecretPrefix(this);

    this.errors.push(
      ...functionOptionProblems('ingestFunctionProps', props.ingestFunctionProps),
      ...functionOptionProblems('dispatcherFunctionProps', props.dispatcherFunctionProps),
    );
    const ingestSettings = {
      settings: functionSettings('ingest', props.ingestFunctionProps),
      logRetention: props.ingestFunctionProps?.logRetention ?? logRetention,
    };
    const dispatcherSettings = {
      settings: functionSettings('dispatcher', props.dispatcherFunctionProps),
      logRetention: props.dispatcherFunctionProps?.logRetention ?? logRetention,
    };

    const key = (this.encryptionKey = props.encryptionKey
      ? useEncryptionKey(this, props.encryptionKey)
      : createEncryptionKey(this, removalPolicy));
    const storage = { key, removalPolicy, historyRetention, serverAccessLogsBucket: props.serverAccessLogsBucket };
    this.configTable = createConfigTable(this, { ...storage, ...defined({ table: props.configTableProps }) });
    this.historyTable = createHistoryTable(this, { ...storage, ...defined({ table: props.historyTableProps }) });
    this.payloadBucket = createPayloadBucket(this, storage);
    this.errors.push(...deadLetterQueueProblems(props.deadLetterQueueProps));
    const queues = createQueues(this, {
      key,
      consumerTimeout: dispatcherSettings.settings.timeout,
      ...defined({ deadLetter: props.deadLetterQueueProps }),
    });
    this.queue = queues.queue;
    this.deadLetterQueue = queues.deadLetterQueue;

    const handlers = createHandlers(this, {
      key,
      removalPolicy,
      logRetention,
      historyRetention,
      dedupRetention,
      gatewayName: this.gatewayName,
      secretPrefix: this.secretPrefix,
      configTable: this.configTable,
      historyTable: this.historyTable,
      queue: this.queue,
      payloadBucket: this.payloadBucket,
      ingestSettings,
      dispatcherSettings,
    });
    const { ingest, authorizer, dispatcher, writer, sweeper } = handlers;
    this.ingestFunction = ingest.function;
    this.authorizerFunction = authorizer.function;
    this.dispatcherFunction = dispatcher.function;
    this.configWriterFunction = writer.function;
    this.sweeperFunction = sweeper.function;
    if (props.defaultSecret) this.grantSecret(props.defaultSecret);

    const { api, accessLogs } = createApi(this, {
      apiName: props.apiName ?? this.node.path.replace(/\//g, '-'),
      stageName: props.stageName ?? DEFAULTS.stageName,
      gatewayName: this.gatewayName,
      ingest: this.ingestFunction,
      authorizer: this.authorizerFunction,
      key,
      removalPolicy,
      logRetention,
      cloudWatchRole: props.cloudWatchRole ?? DEFAULTS.cloudWatchRole,
      stageThrottle: this.stageThrottle,
      disableExecuteApiEndpoint: props.customDomain?.disableExecuteApiEndpoint,
    });
    this.api = api;
    this.defences = new Defences(this, {
      api,
      gatewayName: this.gatewayName,
      key,
      removalPolicy,
      logRetention,
      ...defined({
        webAcl: props.webAcl,
        existingWebAclArn: props.existingWebAclArn,
        customDomain: props.customDomain,
      }),
      sensitiveHeaders: () => [
        ...new Set([...this.webhooks.values()].flatMap((w) => sensitiveHeaders(w._toConfig().verifier))),
      ],
    });
    this.url = this.defences.baseUrl;
    this.webAcl = this.defences.webAcl;
    this.webAclAssociation = this.defences.webAclAssociation;
    this.domainName = this.defences.domainName;

    this.config = new ConfigResource(this, 'Config', {
      writer,
      table: this.configTable,
      key,
      logRetention,
      removalPolicy,
      config: () => ({
        webhooks: [...this.webhooks.values()].map((w) => w._toConfig()),
        routes: this.routes.map((r) => r.config),
      }),
    });
    this.webhookStacks = new WebhookStacks(this, (stack) => {
      // The config must not name a key before the key exists.
      this.config.resource.node.addDependency(stack);
      // The secrets' custom resources need the writer's permissions in place.
      stack.node.addDependency(writer.role);
    });

    const monitoring = new Monitoring(this, 'Monitoring', {
      gatewayName: this.gatewayName,
      api,
      accessLogs,
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      functions: {
        ingest: this.ingestFunction,
        authorizer: this.authorizerFunction,
        dispatcher: this.dispatcherFunction,
      },
      sweeper: this.sweeperFunction,
      ...defined({ alarmTopic: props.alarmTopic, dashboardName: props.dashboardName }),
    });
    this.dashboard = monitoring.dashboard;
    this.alarms = monitoring.alarms;

    // RestApi always adds an `Endpoint` output of its own.
    if (!(props.outputs ?? DEFAULTS.outputs)) this.api.node.tryRemoveChild('Endpoint');
    else
      addGatewayOutputs(this, {
        apiUrl: this.url,
        domainTarget: this.domainName?.domainNameAliasDomainName,
        webhookPaths: Lazy.string({
          produce: () => [...this.webhooks.keys()].map((n) => `webhooks/${n}`).join(',') || 'none',
        }),
        configTable: this.configTable.tableName,
        historyTable: this.historyTable.tableName,
        payloadBucket: this.payloadBucket.bucketName,
        queueUrl: this.queue.queueUrl,
        deadLetterQueueUrl: this.deadLetterQueue.queueUrl,
        gatewayName: this.gatewayName,
        secretPrefix: this.secretPrefix,
        encryptionKeyArn: key.keyArn,
        dispatcherRoleArn: dispatcher.role.roleArn,
      });
    acknowledgeFindings({
      handlers: [ingest, authorizer, dispatcher, writer, sweeper],
      ingest,
      writer,
      config: this.config,
      api,
      payloadBucket: this.payloadBucket,
      secretPrefix: this.secretPrefix,
      serverAccessLogs: props.serverAccessLogsBucket !== undefined,
      webAcl: this.defences.hasWebAcl,
    });
    this.node.addValidation({ validate: () => this.validate() });
  }

  /** Adds a webhook at `POST /webhooks/{name}`. The name must be URL-safe and unique in the gateway. */
  addWebhook(name: string, options: WebhookOptions): Webhook {
    const problem = nameProblem(name);
    if (problem) throw new Error(`${this.node.path}: ${problem}`);
    if (this.webhooks.has(name))
      throw new Error(`${this.node.path}: webhook "${name}" is added twice: give each webhook its own name`);

    const source = options.source._bind();
    const { limits, windows } = resolveLimits(options.rateLimit, this.props.defaultRateLimit);
    const maxBodySize = (options.maxBodySize ?? DEFAULTS.maxBodySize).toBytes();
    const checked = checkWebhookOptions(options, source, maxBodySize, DEFAULTS.maxBodySizeLimit.toBytes());
    checked.errors.push(...aboveStageThrottle(limits, this.stageThrottle));
    // Invalid limits fail synth below; the plan must still be buildable until then.
    const planLimits = rateLimitProblems(limits).length === 0 ? limits : resolveLimits(undefined, undefined).limits;
    const defence = this.defences.webhook(this, name, options.allowedSourceIps);
    checked.errors.push(...defence.errors);
    const webhook = this.webhookStacks.stackFor(name).addWebhook({
      name,
      options: {
        ...options,
        rateLimit: { ...limits, ...defined({ windows }) },
        ...defined({ publicUrl: options.publicUrl ?? defence.publicUrl }),
      },
      source,
      url: defence.url,
      secretScope: {
        prefix: this.secretPrefix,
        key: this.encryptionKey,
        removalPolicy: this.props.removalPolicy ?? DEFAULTS.removalPolicy,
        serviceToken: this.config.provider.serviceToken,
        gatewayName: this.gatewayName,
        ...defined({ sharedSecret: this.props.defaultSecret }),
      },
      api: this.api,
      limits: planLimits,
      apiKeyValue: apiKeyValue(this, name),
      maxBodySize,
    });
    webhook._existingSecrets.forEach((s) => this.grantSecret(s));

    const expressions = checkWebhookExpressions(webhook._toConfig());
    this.errors.push(
      ...[...webhook._problems, ...checked.errors, ...replayWindowProblems(source.verifier, this.dedupRetention)].map(
        (e) => `webhook "${name}": ${e}`,
      ),
      ...expressions.errors,
    );
    const warnings = [...checked.warnings.map((w) => `webhook "${name}": ${w}`), ...expressions.warnings];
    for (const warning of warnings) Annotations.of(this).addWarningV2(webhookWarningId(warning), warning);
    this.webhooks.set(name, webhook);
    if (this.webhooks.size === Math.ceil(DEFAULTS.usagePlanQuota * 0.8)) {
      Annotations.of(this).addWarningV2(
        WARNINGS.usagePlans,
        `the gateway has ${this.webhooks.size} webhooks, each with its own usage plan: API Gateway allows ${DEFAULTS.usagePlanQuota} usage plans per account and region by default, shared with every other API there; request an increase of the quota "Usage plans per account per Region" before you pass it`,
      );
    }
    for (const waiter of this.waiterChecks) if (waiter.webhook === name) webhook._addWaiter();
    return webhook;
  }

  /**
   * Starts `target` for every event whose key matches `eventKeyPattern` (`*` matches any run of
   * characters). Grants the dispatcher `states:StartExecution` on exactly the target's ARN.
   */
  route(eventKeyPattern: string, target: sfn.IStateMachine, options: RouteOptions = {}): void {
    addRoute(this, this.routes, routeEntry(eventKeyPattern, target, options), target, this.dispatcherFunction);
  }

  /**
   * A Task state that pauses a STANDARD workflow until an event of `webhook` with `eventKey`
   * arrives for which `match` holds, and outputs that event (as a workflow started by it receives
   * it). After `timeout` it fails with `States.Timeout`. An event accepted up to `lookBack` before
   * the state started resumes it too. Each waiter resumes at most once; one event resumes every
   * waiter it matches.
   *
   * The state invokes the gateway's waiter function with `.waitForTaskToken`. The state machines
   * that use it need `grantResume` (automatic, with `autoGrantResume`, for state machines in the
   * stack of `scope`); an EXPRESS state machine fails synth.
   */
  waitForWebhook(scope: Construct, id: string, options: WaitForWebhookOptions): sfn.TaskStateBase {
    const waiters = this.waiterResources();
    const seconds = (d: Duration | undefined) => (d === undefined ? undefined : d.toSeconds({ integral: false }));
    const timeoutSeconds = seconds(options.timeout) ?? 0;
    const lookBackSeconds = seconds(options.lookBack) ?? WAITER_LIMITS.defaultLookBackSeconds;
    this.waiterChecks.push({
      name: id,
      webhook: options.webhook,
      timeoutSeconds,
      lookBackSeconds,
      ...(!Token.isUnresolved(options.eventKey) && { eventKey: options.eventKey }),
      ...(options.match !== undefined && !Token.isUnresolved(options.match) && { match: options.match }),
    });
    this.webhooks.get(options.webhook)?._addWaiter();

    const waiterId = waiterIdOf(scope, id);
    waiters.add({ waiterId, name: id }, Stack.of(scope));
    // A bad timeout fails synth (validate); the state must still be buildable until then.
    const renderable = Number.isInteger(timeoutSeconds) && timeoutSeconds >= 1 ? timeoutSeconds : 1;
    const task = new tasks.LambdaInvoke(scope, id, {
      lambdaFunction: waiters.alias,
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      taskTimeout: sfn.Timeout.duration(Duration.seconds(renderable)),
      ...defined({
        stateName: options.stateName,
        comment: options.comment,
        inputPath: options.inputPath,
        outputPath: options.outputPath,
        resultPath: options.resultPath,
        resultSelector: options.resultSelector,
      }),
      payload: sfn.TaskInput.fromObject({
        kind: WAITER_TASK_KIND,
        taskToken: sfn.JsonPath.taskToken,
        waiterId,
        name: options.stateName ?? id,
        executionArn: sfn.JsonPath.executionId,
        webhook: options.webhook,
        eventKey: options.eventKey,
        ...defined({ match: options.match, values: options.values }),
        timeoutSeconds: renderable,
        lookBackSeconds,
      }),
    });
    task.addRetry({
      errors: ['WaiterRegistrationError'],
      interval: Duration.seconds(1),
      maxAttempts: 3,
      backoffRate: 2,
    });
    return task;
  }

  /**
   * Lets the gateway resume `stateMachine`'s waitForWebhook states: states:SendTaskSuccess and
   * states:SendTaskFailure on exactly its ARN, for the waiter function and the dispatcher (in a
   * policy of the state machine's stack). Needed for a state machine outside the stack of the
   * waitForWebhook `scope`, or for every one with `autoGrantResume: false`. Granting the same
   * state machine again returns the first grant.
   */
  grantResume(stateMachine: sfn.IStateMachine): iam.Grant {
    return this.waiterResources().grantResume(stateMachine);
  }

  /** The waiter table, once a waitForWebhook state exists. */
  get waiterTable(): dynamodb.Table | undefined {
    return this.waiters?.table;
  }

  /** The function waitForWebhook states invoke to register their waiter, once one exists. */
  get waiterFunction(): nodejs.NodejsFunction | undefined {
    return this.waiters?.function;
  }

  /** @internal */
  protected _historyTable(): dynamodb.ITable {
    return this.historyTable;
  }

  /** @internal */
  protected _payloadBucket(): s3.IBucket {
    return this.payloadBucket;
  }

  private waiterResources(): Waiters {
    this.waiters ??= new Waiters(this, 'Waiters', {
      key: this.encryptionKey,
      removalPolicy: this.props.removalPolicy ?? DEFAULTS.removalPolicy,
      logRetention: this.props.logRetention ?? DEFAULTS.logRetention,
      gatewayName: this.gatewayName,
      historyTable: this.historyTable,
      payloadBucket: this.payloadBucket,
      dispatcher: this.dispatcherFunction,
      autoGrant: this.props.autoGrantResume ?? DEFAULTS.autoGrantResume,
    });
    return this.waiters;
  }

  private grantSecret(secret: ISecret): void {
    if (this.granted.has(secret)) return;
    this.granted.add(secret);
    secret.grantRead(this.ingestFunction);
  }

  private validate(): string[] {
    const known = new Set(this.webhooks.keys());
    const routeErrors = this.routes.flatMap(({ config, hasTarget, problems }) => [
      ...problems.map((p) => `route "${config.eventKeyPattern}": ${p}`),
      ...checkRoute(config, hasTarget, known).errors,
    ]);
    const waiterErrors = this.waiterChecks.flatMap((w) => validateWaiter(w, known));
    return [...this.errors, ...this.defences.validate(), ...routeErrors, ...waiterErrors];
  }
}
