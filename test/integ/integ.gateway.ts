import { fileURLToPath } from 'node:url';
import { ExpectedResult, IntegTest, type IApiCall } from '@aws-cdk/integ-tests-alpha';
import { App, Aspects, Duration, RemovalPolicies, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';
import { WebhookGatewayExampleStack } from '../../bin/example-stack';
import { HISTORY_BY_DELIVERY_INDEX } from '../../lambdas/core/config/tables';
import { cdkJsonContext } from '../support/template-apps';
import type { SignRequest } from './github-signer';

/**
 * Deploys the example app's stack as `cdk deploy` would (cdk.json's feature flags win over the
 * runner's), then proves the request path on AWS: a GitHub delivery signed with the webhook's own
 * secret is accepted (202), recorded (`enqueued`) and starts the routed Standard workflow, which
 * waits for an approving review and finishes once a signed review arrives; GET answers 405, an
 * unsigned POST 401 and an unknown webhook 404.
 *
 * Run for real with `npm run integ` (credentials, a bootstrapped account); `npm run
 * integ:snapshot` rewrites the committed snapshot offline, `npm test` compares it.
 */
const app = new App({ postCliContext: cdkJsonContext() });
const stack = new WebhookGatewayExampleStack(app, 'WebhookGatewayInteg', {
  description: 'Webhook gateway integration test (deleted after the run)',
});
// Test-only: everything goes with the stack. Secrets Manager secrets are deleted without a
// recovery window by CloudFormation, so the next run can create the same names again.
RemovalPolicies.of(stack).destroy();
Aspects.of(stack).add({
  visit(node: IConstruct) {
    if (node instanceof dynamodb.CfnTable) node.deletionProtectionEnabled = false;
  },
});

const assertions = new Stack(app, 'WebhookGatewayIntegAssertions');
const integ = new IntegTest(app, 'WebhookGateway', {
  testCases: [stack],
  assertionStack: assertions,
  // The update workflow would deploy the committed snapshot first, which holds no Lambda bundles.
  stackUpdateWorkflow: false,
});

const { gateway } = stack;
const webhookUrl = (name: string) => gateway.api.urlForPath(`/webhooks/${name}`);
const REPOSITORY = 'octo-org/webhook-gateway-integ';
const PULL_REQUEST = 7;
const WAIT = { totalTimeout: Duration.minutes(5), interval: Duration.seconds(10), backoffRate: 1 };

/** Signs with the github webhook's generated secret, which only this function can read. */
const signer = new nodejs.NodejsFunction(assertions, 'GitHubSigner', {
  entry: fileURLToPath(new URL('./github-signer.ts', import.meta.url)),
  runtime: lambda.Runtime.NODEJS_24_X,
  architecture: lambda.Architecture.ARM_64,
  timeout: Duration.seconds(10),
  logGroup: new logs.LogGroup(assertions, 'GitHubSignerLogs', {
    retention: logs.RetentionDays.ONE_DAY,
    removalPolicy: RemovalPolicy.DESTROY,
  }),
  bundling: {
    format: nodejs.OutputFormat.ESM,
    mainFields: ['module', 'main'],
    forceDockerBundling: false,
  },
});
const secretName = `${gateway.secretPrefix}/github`;
secretsmanager.Secret.fromSecretNameV2(assertions, 'GitHubSecret', secretName).grantRead(signer);
gateway.encryptionKey.grantDecrypt(signer);

/** POSTs `body` to the github webhook as GitHub would, signed by the signer function. */
function deliver(id: string, event: string, body: object): IApiCall {
  const text = JSON.stringify(body);
  const request: SignRequest = { secretId: secretName, body: text };
  const signature = integ.assertions
    .invokeFunction({ functionName: signer.functionName, payload: JSON.stringify(request) })
    .getAttString('Payload.signature');
  return integ.assertions.httpApiCall(webhookUrl('github'), {
    method: 'POST',
    body: text,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/integ',
      'x-github-event': event,
      'x-github-delivery': id,
      'x-hub-signature-256': signature,
    },
  });
}

/** Reads of the gateway's encrypted tables need the key too. */
function withDecrypt(call: IApiCall): IApiCall {
  const statement = { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [gateway.encryptionKey.keyArn] };
  call.provider.addToRolePolicy(statement);
  (call as { waiterProvider?: { addToRolePolicy(s: object): void } }).waiterProvider?.addToRolePolicy(statement);
  return call;
}

// 1. A signed pull request: 202 accepted, recorded as enqueued, and the Standard workflow runs.
const opened = deliver('integ-pull-request-opened', 'pull_request', {
  action: 'opened',
  number: PULL_REQUEST,
  pull_request: { number: PULL_REQUEST, title: 'Integration test' },
  repository: { full_name: REPOSITORY },
  sender: { login: 'integ-author' },
});
opened.expect(ExpectedResult.objectLike({ status: 202, body: { status: 'accepted' } }));

const recorded = withDecrypt(
  integ.assertions
    .awsApiCall('DynamoDB', 'query', {
      TableName: gateway.historyTable.tableName,
      IndexName: HISTORY_BY_DELIVERY_INDEX.name,
      KeyConditionExpression: '#deliveryId = :deliveryId',
      ExpressionAttributeNames: { '#deliveryId': HISTORY_BY_DELIVERY_INDEX.partitionKey },
      ExpressionAttributeValues: { ':deliveryId': { S: 'integ-pull-request-opened' } },
    })
    .assertAtPath('Items.0.status.S', ExpectedResult.exact('enqueued'))
    .waitForAssertions(WAIT),
);

const deployment = stack.node.findChild('DeployPullRequest') as sfn.StateMachine;
const running = integ.assertions
  .awsApiCall('StepFunctions', 'listExecutions', { stateMachineArn: deployment.stateMachineArn })
  .assertAtPath('executions.0.status', ExpectedResult.exact('RUNNING'))
  .waitForAssertions(WAIT);
const listed = integ.assertions.awsApiCall('StepFunctions', 'listExecutions', {
  stateMachineArn: deployment.stateMachineArn,
});
const execution = listed.getAttString('executions.0.executionArn');
const started = integ.assertions
  .awsApiCall('StepFunctions', 'describeExecution', { executionArn: execution })
  .assertAtPath('input.deliveryId', ExpectedResult.exact('integ-pull-request-opened'));

// 2. A signed approving review resumes the waiting workflow, which then succeeds.
const review = deliver('integ-pull-request-review', 'pull_request_review', {
  action: 'submitted',
  review: { state: 'approved', user: { login: 'integ-reviewer' } },
  pull_request: { number: PULL_REQUEST },
  repository: { full_name: REPOSITORY },
});
review.expect(ExpectedResult.objectLike({ status: 202, body: { status: 'accepted' } }));
const approved = integ.assertions
  .awsApiCall('StepFunctions', 'describeExecution', { executionArn: execution })
  .assertAtPath('output.approvedBy', ExpectedResult.exact('integ-reviewer'))
  .waitForAssertions(WAIT);

opened.next(recorded).next(running).next(listed).next(started).next(review).next(approved);

// 3. What the sender sees when something is wrong.
integ.assertions
  .httpApiCall(webhookUrl('github'), { method: 'GET' })
  .expect(ExpectedResult.objectLike({ status: 405 }));
integ.assertions
  .httpApiCall(webhookUrl('github'), {
    method: 'POST',
    body: JSON.stringify({ action: 'opened' }),
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': 'integ-unsigned',
    },
  })
  .expect(ExpectedResult.objectLike({ status: 401 }));
integ.assertions
  .httpApiCall(webhookUrl('no-such-webhook'), {
    method: 'POST',
    body: '{}',
    headers: { 'content-type': 'application/json' },
  })
  .expect(ExpectedResult.objectLike({ status: 404 }));

app.synth();
