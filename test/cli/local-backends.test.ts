import { Socket } from 'node:net';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startBackends, type Backends } from '../../cli/local/backends';

describe('local backends', () => {
  let backends: Backends | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await backends?.stop();
  });

  it('keeps the SDK clients’ connections alive between calls (one connection per server, not one per call)', async () => {
    backends = await startBackends();
    const connect = vi.spyOn(Socket.prototype, 'connect');
    const connections = () => connect.mock.calls.length;
    const before = connections();
    for (let i = 0; i < 5; i++) await backends.dynamodb.send(new ListTablesCommand({}));
    for (let i = 0; i < 5; i++) await backends.sqs.send(new ListQueuesCommand({}));
    expect(connections() - before).toBe(2);
  });
});
