import { randomBytes } from 'node:crypto';
import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskTimedOut,
  type SendTaskFailureCommandInput,
  type SendTaskSuccessCommandInput,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbWaiterStore } from '../../lambdas/adapters/dynamodb-waiters';
import type { EnqueueMark, HistoryStore, WaiterPorts } from '../../lambdas/adapters/ports';
import { S3PayloadStore } from '../../lambdas/adapters/s3-payloads';
import { SfnTaskTokens } from '../../lambdas/adapters/sfn-tasks';
import type { HistoryKey, WorkflowInput } from '../../lambdas/core/config/messages';
import {
  claimantOf,
  WAITER_TASK_KIND,
  type OfferedEvent,
  type WaiterRegistration,
} from '../../lambdas/core/waiters/model';
import type { WaiterDeps } from '../../lambdas/adapters/waiter-resume';
import { ManualClock } from '../support/clock';
import { fakeS3 } from '../support/fakes';
import { createTable, type LocalAws } from '../support/local-aws';
import { RecordingTelemetry } from '../support/telemetry';

export const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:Deploy';
export const PAYLOAD_BUCKET = 'payload-bucket';

/** A waiter table laid out as the constructs create it (pk, sk; TTL is not enforced by dynalite). */
export async function createWaiterTable(local: LocalAws): Promise<string> {
  const name = `waiters-${randomBytes(4).toString('hex')}`;
  await createTable(local.dynamodb, name);
  return name;
}

/**
 * An SFNClient whose SendTaskSuccess / SendTaskFailure answer as Step Functions does: a token
 * that was answered already, or is listed in `gone`, fails with TaskTimedOut.
 */
export function fakeTaskTokens() {
  const client = new SFNClient({ region: 'us-east-1' });
  const mock = mockClient(client);
  const gone = new Set<string>();
  const answer = (token: string | undefined) => {
    if (gone.has(token!)) throw new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} });
    gone.add(token!);
    return {};
  };
  mock.on(SendTaskSuccessCommand).callsFake((input: SendTaskSuccessCommandInput) => answer(input.taskToken));
  mock.on(SendTaskFailureCommand).callsFake((input: SendTaskFailureCommandInput) => answer(input.taskToken));
  return {
    client,
    mock,
    gone,
    /** Every SendTaskSuccess, as sent. */
    successes: () => mock.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input),
    failures: () => mock.commandCalls(SendTaskFailureCommand).map((c) => c.args[0].input),
  };
}

/** markEnqueued calls, kept in memory. */
export class RecordingHistory implements Pick<HistoryStore, 'markEnqueued'> {
  readonly marks: { key: HistoryKey; executionArn: string }[] = [];
  async markEnqueued(key: HistoryKey, executionArn: string): Promise<EnqueueMark> {
    const present = this.marks.some((m) => m.key.sk === key.sk && m.executionArn === executionArn);
    this.marks.push({ key, executionArn });
    return present ? 'present' : 'added';
  }
}

/** The waiter deps on dynalite, a fake Step Functions, a fake S3 and a manual clock. */
export function waiterDeps(local: LocalAws, table: string, clock = new ManualClock()) {
  const sfn = fakeTaskTokens();
  const s3 = fakeS3();
  const history = new RecordingHistory();
  const telemetry = new RecordingTelemetry();
  const ports: WaiterPorts = {
    store: new DynamoDbWaiterStore(local.dynamodb, table),
    tasks: new SfnTaskTokens(sfn.client),
    payloads: new S3PayloadStore(s3.client, PAYLOAD_BUCKET),
    clock,
  };
  const deps: WaiterDeps = { ...ports, history, telemetry };
  return { deps, ports, sfn, s3, history, telemetry, clock };
}

let tokens = 0;

/** What a waitForWebhook state sends the registrar (the example's approval waiter by default). */
export function registration(overrides: Partial<WaiterRegistration> = {}): WaiterRegistration {
  tokens++;
  return {
    kind: WAITER_TASK_KIND,
    taskToken: `token-${tokens}-${'x'.repeat(600)}`,
    waiterId: 'waiter-0123',
    name: 'WaitForApproval',
    executionArn: `${MACHINE.replace(':stateMachine:', ':execution:')}:run-${tokens}`,
    webhook: 'github',
    eventKey: 'github:pull_request_review',
    match: "event.payload.review.state == 'approved' && event.payload.pull_request.number == values.pr",
    values: { pr: 42 },
    timeoutSeconds: 3600,
    lookBackSeconds: 300,
    ...overrides,
  };
}

let deliveries = 0;

/** A pull_request_review event as a workflow receives it. */
export function reviewEvent(
  clock: ManualClock,
  review: { pr?: number; state?: string } = {},
  overrides: Partial<WorkflowInput> = {},
): OfferedEvent {
  deliveries++;
  const deliveryId = `delivery-${deliveries}`;
  const event: WorkflowInput = {
    webhook: 'github',
    deliveryId,
    eventKey: 'github:pull_request_review',
    scope: 'octo/repo',
    receivedAt: clock.now().toISOString(),
    headers: { 'x-github-event': 'pull_request_review', 'x-hub-signature-256': '[redacted]' },
    payload: {
      action: 'submitted',
      review: { state: review.state ?? 'approved', user: { login: 'reviewer' } },
      pull_request: { number: review.pr ?? 42 },
    },
    ...overrides,
  };
  return {
    event,
    claimant: claimantOf(event.webhook, deliveryId),
    historyKey: { pk: event.webhook, sk: `d#${deliveryId}` },
  };
}
