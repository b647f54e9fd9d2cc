import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { DynamoDbHistoryStore, fromItem } from '../../lambdas/adapters/dynamodb-history';
import { SfnWorkflowStarter } from '../../lambdas/adapters/sfn-starter';
import { createDispatcher } from '../../lambdas/dispatcher/handler';
import { executionName, queueDeduplicationId, type StartMessage } from '../../lambdas/core/config/messages';
import { HISTORY_ITEMS } from '../../lambdas/core/config/tables';
import type { WorkflowType } from '../../lambdas/core/config/webhook';
import { drain, pollOnce, toRecord } from '../support/event-source';
import { fakeStepFunctions } from '../support/fake-sfn';
import { createGatewayResources, startLocalAws, type GatewayResources, type LocalAws } from '../support/local-aws';
import { RecordingTelemetry } from '../support/telemetry';

let local: LocalAws;
let resources: GatewayResources;
let history: DynamoDbHistoryStore;

beforeAll(async () => {
  local = await startLocalAws();
});
afterAll(() => local?.stop());
beforeEach(async () => {
  resources = await createGatewayResources(local);
  history = new DynamoDbHistoryStore(local.dynamodb, resources.historyTable);
});

const ACCOUNT = 'arn:aws:states:us-east-1:123456789012';

function message(key: string, routeId = 'orders', type: WorkflowType = 'STANDARD'): StartMessage {
  return {
    kind: 'start',
    routeId,
    target: { arn: `${ACCOUNT}:stateMachine:${routeId}`, type },
    webhook: 'stripe',
    idempotencyKey: key,
    historyKey: HISTORY_ITEMS.delivery('stripe', key),
    input: {
      webhook: 'stripe',
      deliveryId: key,
      eventKey: 'stripe:charge.succeeded',
      scope: 'cus_1',
      receivedAt: '2026-03-01T12:00:00.000Z',
      headers: { 'stripe-signature': '[redacted]' },
      payload: { id: key, amount: 1200 },
    },
  };
}

async function recordPending(key: string): Promise<void> {
  await local.dynamodb.send(
    new PutItemCommand({
      TableName: resources.historyTable,
      Item: marshall({
        ...HISTORY_ITEMS.delivery('stripe', key),
        deliveryId: key,
        idempotencyKey: key,
        receivedAt: '2026-03-01T12:00:00.000Z',
        status: 'pending',
        expiresAt: 2_000_000_000,
      }),
    }),
  );
}

async function stored(key: string) {
  const item = await local.dynamodb.send(
    new GetItemCommand({ TableName: resources.historyTable, Key: marshall(HISTORY_ITEMS.delivery('stripe', key)) }),
  );
  return item.Item ? fromItem(item.Item) : undefined;
}

async function enqueue(m: StartMessage, group = 'stripe:cus_1'): Promise<void> {
  await local.sqs.send(
    new SendMessageCommand({
      QueueUrl: resources.queueUrl,
      MessageBody: JSON.stringify(m),
      MessageGroupId: group,
      MessageDeduplicationId: queueDeduplicationId(m.webhook, m.idempotencyKey, m.routeId),
    }),
  );
}

function dispatcher(sfn = fakeStepFunctions()) {
  const telemetry = new RecordingTelemetry();
  const handler = createDispatcher({ starter: new SfnWorkflowStarter(sfn.client), history, telemetry });
  return { handler, telemetry, sfn };
}

describe('dispatcher', () => {
  it('starts the route target with the deterministic name and the input, and records the execution', async () => {
    const { handler, sfn, telemetry } = dispatcher();
    await recordPending('evt_1');
    await enqueue(message('evt_1'));
    expect(await drain(local.sqs, resources.queueUrl, handler)).toBe(1);
    const name = executionName('stripe', 'evt_1', 'orders');
    expect(sfn.inputs()).toEqual([
      { stateMachineArn: `${ACCOUNT}:stateMachine:orders`, name, input: JSON.stringify(message('evt_1').input) },
    ]);
    expect(await stored('evt_1')).toMatchObject({
      status: 'enqueued',
      executions: [`${ACCOUNT}:execution:orders:${name}`],
    });
    expect(telemetry.total('ExecutionsStarted')).toBe(1);
  });

  it('never starts a second Standard execution for a redelivered message', async () => {
    const { handler, sfn } = dispatcher();
    await recordPending('evt_1');
    const record = toRecord({
      MessageId: 'm1',
      ReceiptHandle: 'h',
      Body: JSON.stringify(message('evt_1')),
      MD5OfBody: 'x',
    });
    expect(await handler({ Records: [record] })).toEqual({ batchItemFailures: [] });
    expect(await handler({ Records: [{ ...record, messageId: 'm1-again' }] })).toEqual({ batchItemFailures: [] });
    expect(sfn.inputs()).toHaveLength(2);
    expect(sfn.started).toHaveLength(1);
    expect((await stored('evt_1'))?.executions).toEqual([sfn.started[0]!.executionArn]);
  });

  it('counts ExecutionsStarted once when a redelivered message finds its execution still running', async () => {
    // StartExecution of a running Standard execution with the same name and input succeeds again.
    const { handler, sfn, telemetry } = dispatcher();
    await recordPending('evt_r');
    const record = toRecord({
      MessageId: 'm',
      ReceiptHandle: 'h',
      Body: JSON.stringify(message('evt_r')),
      MD5OfBody: 'x',
    });
    await handler({ Records: [record] });
    await handler({ Records: [{ ...record, messageId: 'm-again' }] });
    expect(sfn.inputs()).toHaveLength(2);
    expect(
      sfn.mock.commandCalls(StartExecutionCommand).every((c) => c.args[0].input.name === sfn.started[0]!.name),
    ).toBe(true);
    expect(telemetry.total('ExecutionsStarted')).toBe(1);
    // Once closed, the name fails with ExecutionAlreadyExists: still not counted again.
    sfn.close(sfn.started[0]!.executionArn);
    await handler({ Records: [{ ...record, messageId: 'm-third' }] });
    expect(telemetry.total('ExecutionsStarted')).toBe(1);
    expect((await stored('evt_r'))?.executions).toEqual([sfn.started[0]!.executionArn]);
  });

  it('counts an execution whose history update failed once, when the retried message records it', async () => {
    const { sfn, telemetry } = dispatcher();
    await recordPending('evt_h');
    const record = toRecord({
      MessageId: 'm',
      ReceiptHandle: 'h',
      Body: JSON.stringify(message('evt_h')),
      MD5OfBody: 'x',
    });
    const failing = createDispatcher({
      starter: new SfnWorkflowStarter(sfn.client),
      history: new DynamoDbHistoryStore(local.clients({ maxAttempts: 1 }).dynamodb, resources.historyTable),
      telemetry,
    });
    local.dynamodbServer.fail('down', /UpdateItem$/);
    try {
      expect((await failing({ Records: [record] })).batchItemFailures).toHaveLength(1);
    } finally {
      local.dynamodbServer.heal();
    }
    expect(telemetry.total('ExecutionsStarted')).toBe(0);
    expect((await failing({ Records: [{ ...record, messageId: 'm-again' }] })).batchItemFailures).toEqual([]);
    expect(telemetry.total('ExecutionsStarted')).toBe(1);
    expect(sfn.started).toHaveLength(1);
  });

  it('reports a failed message and the later messages of its group, and handles other groups', async () => {
    const sfn = fakeStepFunctions();
    const { handler } = dispatcher(sfn);
    sfn.mock
      .on(StartExecutionCommand, {
        stateMachineArn: `${ACCOUNT}:stateMachine:orders`,
        name: executionName('stripe', 'a1', 'orders'),
      })
      .rejects(new Error('ServiceUnavailable'));
    const event: SQSEvent = {
      Records: [
        { id: 'a1', group: 'A' },
        { id: 'b1', group: 'B' },
        { id: 'a2', group: 'A' },
        { id: 'b2', group: 'B' },
      ].map(({ id, group }) => ({
        ...toRecord({ MessageId: id, ReceiptHandle: id, Body: JSON.stringify(message(id)), MD5OfBody: 'x' }),
        attributes: {
          ...toRecord({ MessageId: id, Body: '', MD5OfBody: '', ReceiptHandle: '' }).attributes,
          MessageGroupId: group,
        },
      })),
    };
    const result = await handler(event);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'a1' }, { itemIdentifier: 'a2' }]);
    expect(sfn.started.map((s) => s.name)).toEqual([
      executionName('stripe', 'b1', 'orders'),
      executionName('stripe', 'b2', 'orders'),
    ]);
  });

  it('fails if a message is not JSON or of an unknown kind', async () => {
    const { handler, telemetry } = dispatcher();
    const bad = (id: string, Body: string) => toRecord({ MessageId: id, ReceiptHandle: id, Body, MD5OfBody: 'x' });
    const result = await handler({ Records: [bad('x', '{'), bad('y', '{"kind":"resume"}')] });
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['x', 'y']);
    expect(telemetry.logs.filter((l) => l.level === 'error').map((l) => l.fields.error)).toEqual([
      expect.stringContaining('not JSON'),
      expect.stringContaining('unknown message kind "resume"'),
    ]);
  });

  it('moves a message that keeps failing to the dead-letter queue after maxReceiveCount', async () => {
    const sfn = fakeStepFunctions();
    sfn.mock.on(StartExecutionCommand).rejects(new Error('AccessDeniedException'));
    const { handler, telemetry } = dispatcher(sfn);
    resources = await createGatewayResources(local, { visibilityTimeout: 1 });
    await enqueue(message('evt_1'));
    for (let i = 0; i < 4; i++) {
      await pollOnce(local.sqs, resources.queueUrl, handler);
      await new Promise((resolve) => setTimeout(resolve, 1100));
    }
    expect(sfn.inputs()).toHaveLength(3);
    expect(telemetry.total('ExecutionsFailed')).toBe(3);
    const dlq = await local.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: resources.deadLetterQueueUrl, MaxNumberOfMessages: 10 }),
    );
    expect(dlq.Messages?.map((m) => JSON.parse(m.Body!).idempotencyKey)).toEqual(['evt_1']);
  });

  it('retries a Standard message whose history update failed, and not an Express one', async () => {
    const { handler, sfn } = dispatcher();
    const standard = toRecord({
      MessageId: 's',
      ReceiptHandle: 's',
      Body: JSON.stringify(message('s1')),
      MD5OfBody: 'x',
    });
    const express = toRecord({
      MessageId: 'e',
      ReceiptHandle: 'e',
      Body: JSON.stringify(message('e1', 'fast', 'EXPRESS')),
      MD5OfBody: 'x',
    });
    local.dynamodbServer.fail('down', /UpdateItem$/);
    try {
      const failing = createDispatcher({
        starter: new SfnWorkflowStarter(sfn.client),
        history: new DynamoDbHistoryStore(local.clients({ maxAttempts: 1 }).dynamodb, resources.historyTable),
        telemetry: new RecordingTelemetry(),
      });
      const result = await failing({
        Records: [standard, { ...express, attributes: { ...express.attributes, MessageGroupId: 'other' } }],
      });
      expect(result.batchItemFailures).toEqual([{ itemIdentifier: 's' }]);
    } finally {
      local.dynamodbServer.heal();
    }
    await recordPending('s1');
    expect(await handler({ Records: [standard] })).toEqual({ batchItemFailures: [] });
    expect(sfn.started.map((s) => s.stateMachineArn)).toEqual([
      `${ACCOUNT}:stateMachine:orders`,
      `${ACCOUNT}:stateMachine:fast`,
    ]);
    expect((await stored('s1'))?.status).toBe('enqueued');
  });
});
