import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { DynamoDbRateWindows, InMemoryRateWindows } from '../../lambdas/adapters/dynamodb-rate-windows';
import type { QueueEntry, RateWindows } from '../../lambdas/adapters/ports';
import { SqsQueue } from '../../lambdas/adapters/sqs-queue';
import type { StartMessage } from '../../lambdas/core/config/messages';
import { createGatewayResources, startLocalAws, type GatewayResources, type LocalAws } from '../support/local-aws';

let local: LocalAws;
let resources: GatewayResources;

beforeAll(async () => {
  local = await startLocalAws();
});
afterAll(() => local?.stop());
beforeEach(async () => {
  resources = await createGatewayResources(local);
});

function entry(routeId: string, group: string, dedup = routeId, padding = 0): QueueEntry {
  const message: StartMessage = {
    kind: 'start',
    routeId,
    target: { arn: `arn:aws:states:us-east-1:123456789012:stateMachine:${routeId}`, type: 'STANDARD' },
    webhook: 'github',
    idempotencyKey: 'd-1',
    historyKey: { pk: 'github', sk: 'd#d-1' },
    input: {
      webhook: 'github',
      deliveryId: 'd-1',
      eventKey: 'github:push',
      receivedAt: '2026-03-01T12:00:00.000Z',
      headers: {},
      payload: { pad: 'x'.repeat(padding) },
    },
  };
  return { groupId: group, deduplicationId: dedup, message };
}

async function receiveAll(): Promise<Message[]> {
  const out: Message[] = [];
  for (;;) {
    const got = await local.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: resources.queueUrl,
        MaxNumberOfMessages: 10,
        AttributeNames: ['All'],
      }),
    );
    if (!got.Messages?.length) return out;
    out.push(...got.Messages);
  }
}

describe('SqsQueue', () => {
  it('sends one FIFO message per entry with its group and body', async () => {
    await new SqsQueue(local.sqs, resources.queueUrl).send([entry('a', 'github:g1'), entry('b', 'github:g1')]);
    const messages = await receiveAll();
    expect(messages.map((m) => (JSON.parse(m.Body!) as StartMessage).routeId)).toEqual(['a', 'b']);
    expect(messages[0]!.Attributes?.MessageGroupId).toBe('github:g1');
  });

  it('drops an entry whose deduplication id was sent before (a sender retry)', async () => {
    const queue = new SqsQueue(local.sqs, resources.queueUrl);
    await queue.send([entry('a', 'g')]);
    await queue.send([entry('a', 'g')]);
    expect(await receiveAll()).toHaveLength(1);
  });

  it('splits more than ten entries, and large ones, into several batches', async () => {
    const queue = new SqsQueue(local.sqs, resources.queueUrl);
    const before = local.sqsServer.requests.length;
    const many = Array.from({ length: 12 }, (_, i) => entry(`r${i}`, `g${i}`));
    const large = [entry('big1', 'x', 'big1', 200_000), entry('big2', 'y', 'big2', 200_000)];
    await queue.send([...many, ...large]);
    const sends = local.sqsServer.requests.slice(before).filter((r) => r.endsWith('SendMessageBatch'));
    expect(sends.length).toBe(3);
    expect(await receiveAll()).toHaveLength(14);
  });

  it('fails if the queue refuses the request', async () => {
    const queue = new SqsQueue(local.sqs, resources.queueUrl);
    const invalid = entry('bad', 'a group id may not contain spaces');
    await expect(queue.send([entry('ok', 'g'), invalid])).rejects.toThrow(/MessageGroupId/);
  });

  it('fails if SQS is unreachable', async () => {
    const queue = new SqsQueue(local.clients({ maxAttempts: 1 }).sqs, resources.queueUrl);
    local.sqsServer.fail('down');
    try {
      await expect(queue.send([entry('a', 'g')])).rejects.toThrow();
    } finally {
      local.sqsServer.heal();
    }
  });
});

describe.each([
  ['DynamoDbRateWindows', () => new DynamoDbRateWindows(local.dynamodb, resources.configTable)],
  ['InMemoryRateWindows', () => new InMemoryRateWindows()],
] as const)('%s', (_name, create: () => RateWindows) => {
  const hour = { periodSeconds: 3600, limit: 3 };
  const day = { periodSeconds: 86400, limit: 5 };
  const at = (iso: string) => new Date(iso);

  it('allows up to the limit of every window, then refuses with the seconds until the window ends', async () => {
    const windows = create();
    for (let i = 0; i < 3; i++)
      expect(await windows.hit('w', [hour, day], at('2026-03-01T10:15:00Z'))).toEqual({ allowed: true });
    expect(await windows.hit('w', [hour, day], at('2026-03-01T10:59:30Z'))).toEqual({
      allowed: false,
      retryAfterSeconds: 30,
    });
  });

  it('opens a new window when the period ends, and the longer window still counts', async () => {
    const windows = create();
    for (let i = 0; i < 3; i++) await windows.hit('w', [hour, day], at('2026-03-01T10:00:00Z'));
    expect(await windows.hit('w', [hour, day], at('2026-03-01T11:00:00Z'))).toEqual({ allowed: true });
    expect(await windows.hit('w', [hour, day], at('2026-03-01T11:00:01Z'))).toEqual({ allowed: true });
    expect(await windows.hit('w', [hour, day], at('2026-03-01T11:00:02Z'))).toEqual({
      allowed: false,
      retryAfterSeconds: 13 * 3600 - 2,
    });
  });

  it('counts webhooks separately', async () => {
    const windows = create();
    const one = { periodSeconds: 60, limit: 1 };
    expect(await windows.hit('a', [one], at('2026-03-01T10:00:00Z'))).toEqual({ allowed: true });
    expect(await windows.hit('b', [one], at('2026-03-01T10:00:00Z'))).toEqual({ allowed: true });
    expect((await windows.hit('a', [one], at('2026-03-01T10:00:10Z'))).allowed).toBe(false);
  });

  it('never lets more than the limit through concurrently', async () => {
    const windows = create();
    const ten = { periodSeconds: 60, limit: 10 };
    const results = await Promise.all(
      Array.from({ length: 25 }, () => windows.hit('w', [ten], at('2026-03-01T10:00:00Z'))),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
  });
});
