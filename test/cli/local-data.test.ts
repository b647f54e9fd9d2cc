import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Template } from '../../cli/assembly';
import { createTemplateResources, startBackends, TableShapeError } from '../../cli/local/backends';
import { dataDirOf, ignoreStateDir, openDataDir } from '../../cli/local/data-dir';
import { restoreQueues, saveQueues } from '../../cli/local/kept-queues';

/** The data folder: dynalite's LevelDB store kept across restarts, and each way opening it can fail. */

const root = mkdtempSync(join(tmpdir(), 'wg-data-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const table = (keys: string[]): Template => ({
  Resources: {
    History: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        AttributeDefinitions: keys.map((k) => ({ AttributeName: k, AttributeType: 'S' })),
        KeySchema: keys.map((k, i) => ({ AttributeName: k, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
      },
    },
  },
});

describe('the data folder', () => {
  it('keeps tables and items across a restart of the backends, and keeps a table whose keys match', async () => {
    const data = await openDataDir(join(root, 'restart'));
    const first = await startBackends({ dynamodbPath: data.dynamodb });
    await createTemplateResources(first, table(['pk', 'sk']), 'App');
    await first.dynamodb.send(
      new PutItemCommand({ TableName: 'App-History', Item: { pk: { S: 'a' }, sk: { S: 'b' }, v: { N: '1' } } }),
    );
    await first.stop();

    // Opening again proves the store was closed (its lock released) by stop().
    const again = await openDataDir(join(root, 'restart'));
    const second = await startBackends({ dynamodbPath: again.dynamodb });
    try {
      await createTemplateResources(second, table(['pk', 'sk']), 'App');
      const got = await second.dynamodb.send(
        new GetItemCommand({ TableName: 'App-History', Key: { pk: { S: 'a' }, sk: { S: 'b' } } }),
      );
      expect(got.Item).toEqual({ pk: { S: 'a' }, sk: { S: 'b' }, v: { N: '1' } });
      // Other keys for the same table: refused, with the fix.
      await expect(createTemplateResources(second, table(['id']), 'App')).rejects.toThrow(TableShapeError);
      await expect(createTemplateResources(second, table(['id']), 'App')).rejects.toThrow(
        /table App-History in the data folder has other keys or indexes .*: delete the data folder .* or pass --in-memory/,
      );
    } finally {
      await second.stop();
    }
  });

  it('fails if another process holds the store: it says to stop it or use another state directory', async () => {
    const dir = join(root, 'locked');
    const data = await openDataDir(dir);
    // LevelDB's own lock, as a second gateway's dynalite holds it.
    const require = createRequire(import.meta.url);
    const { Level } = createRequire(require.resolve('dynalite'))('level') as {
      Level: new (path: string) => { open(): Promise<void>; close(): Promise<void> };
    };
    const holder = new Level(data.dynamodb);
    await holder.open();
    try {
      await expect(openDataDir(dir)).rejects.toThrow(
        `another webhook-gateway local uses the data folder ${dataDirOf(dir).root}: stop it, or pass --state-dir DIR (or --in-memory) to run a second one`,
      );
    } finally {
      await holder.close();
    }
  });

  it('fails if the store is damaged: it names the folder and how to start afresh', async () => {
    const dir = join(root, 'damaged');
    const data = await openDataDir(dir);
    const backends = await startBackends({ dynamodbPath: data.dynamodb });
    await createTemplateResources(backends, table(['pk']), 'App');
    await backends.stop();
    writeFileSync(join(data.dynamodb, 'CURRENT'), 'MANIFEST-999999\n');
    await expect(openDataDir(dir)).rejects.toThrow(
      new RegExp(
        `the data folder ${data.root} cannot be opened \\(.*\\): delete it \\(rm -rf ${data.root}\\) to start with an empty history, or pass --in-memory`,
      ),
    );
  });

  it('fails if the folder has another format, or was not written by the local gateway', async () => {
    const newer = join(root, 'newer');
    mkdirSync(join(newer, 'data'), { recursive: true });
    writeFileSync(join(newer, 'data', 'format.json'), '{"format": 2}');
    await expect(openDataDir(newer)).rejects.toThrow(
      /has format 2, this version reads format 1: use the version that wrote it, or delete it/,
    );

    const foreign = join(root, 'foreign');
    mkdirSync(join(foreign, 'data'), { recursive: true });
    writeFileSync(join(foreign, 'data', 'notes.txt'), 'mine');
    await expect(openDataDir(foreign)).rejects.toThrow(/was not written by webhook-gateway local \(no format.json\)/);
  });
});

describe('queued messages across a graceful stop', () => {
  const queues: Template = {
    Resources: {
      Dlq: { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: true } },
      Queue: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          FifoQueue: true,
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] }, maxReceiveCount: 5 },
        },
      },
    },
  };

  it('keeps what is still queued, with its FIFO ids, and sends it again at the next start', async () => {
    const data = await openDataDir(join(root, 'queues'));
    const first = await startBackends({ dynamodbPath: data.dynamodb });
    const created = await createTemplateResources(first, queues, 'App');
    const urls = [created.queues.get('Queue')!.url, created.queues.get('Dlq')!.url];
    for (const [i, url] of urls.entries()) {
      await first.sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: `{"n":${i}}`,
          MessageGroupId: `g${i}`,
          MessageDeduplicationId: `d${i}`,
        }),
      );
    }
    expect(await saveQueues(first.sqs, urls, data.queues)).toBe(2);
    await first.stop();

    const second = await startBackends({ dynamodbPath: data.dynamodb });
    try {
      const again = await createTemplateResources(second, queues, 'App');
      const urls2 = [again.queues.get('Queue')!.url, again.queues.get('Dlq')!.url];
      expect(await restoreQueues(second.sqs, urls2, data.queues)).toBe(2);
      for (const [i, url] of urls2.entries()) {
        const got = await second.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, AttributeNames: ['All'] }));
        expect(
          got.Messages?.map((m) => [m.Body, m.Attributes?.MessageGroupId, m.Attributes?.MessageDeduplicationId]),
        ).toEqual([[`{"n":${i}}`, `g${i}`, `d${i}`]]);
      }
      // Sent once: the file is gone.
      expect(await restoreQueues(second.sqs, urls2, data.queues)).toBe(0);
    } finally {
      await second.stop();
    }
  });
});

describe('the state directory in git', () => {
  it('ignores itself, and never writes a .gitignore into a project folder used as the state directory', () => {
    const state = join(root, 'ignored', '.webhook-gateway');
    ignoreStateDir(state);
    expect(readFileSync(join(state, '.gitignore'), 'utf8')).toMatch(/^\*$/m);

    const project = join(root, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'cdk.json'), '{}');
    ignoreStateDir(project);
    expect(existsSync(join(project, '.gitignore'))).toBe(false);
  });
});
