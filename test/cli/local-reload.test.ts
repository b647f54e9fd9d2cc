import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryLine } from '../../cli/output';
import { cli, post, REPO, startGateway, type GatewayProcess } from './support';

/**
 * The local gateway on a small app of its own folder (cdk.json, app.ts), whose sources the tests
 * change: history kept across a restart (and replayed once the app is fixed), and `--watch`
 * serving a changed expression without a restart, or the last good config when the app breaks.
 */

let root: string;
const started: GatewayProcess[] = [];

beforeAll(() => {
  // Inside the repository, so that the app resolves aws-cdk-lib and tsx from its node_modules.
  mkdirSync(join(REPO, 'test/.tmp'), { recursive: true });
  root = mkdtempSync(join(REPO, 'test/.tmp/wg-reload-'));
});

afterAll(async () => {
  await Promise.all(started.map((g) => g.stop('SIGKILL')));
  rmSync(root, { recursive: true, force: true });
});

/** A folder with cdk.json and app.ts: one HMAC webhook `orders` with `eventKey`, routed to a Pass workflow. */
function writeApp(dir: string, eventKey: string, legacy = false): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'cdk.json'),
    JSON.stringify({ app: 'npx tsx app.ts', context: { 'aws:cdk:bundling-stacks': [] } }),
  );
  writeFileSync(
    join(dir, 'app.ts'),
    `import { App, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { WebhookGateway, WebhookSource } from '${REPO}/lib/index';

const app = new App();
const stack = new Stack(app, 'ReloadApp');
const gateway = new WebhookGateway(stack, 'Hooks');
gateway.addWebhook('orders', { source: WebhookSource.hmac({ header: 'x-signature' }), eventKey: ${JSON.stringify(eventKey)} });
${legacy ? "gateway.addWebhook('legacy', { source: WebhookSource.none(), eventKey: \"'legacy:x'\" });" : ''}
const flow = new sfn.StateMachine(stack, 'Flow', {
  definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Record')),
});
gateway.route('orders:*', flow, { webhook: 'orders' });
app.synth();
`,
  );
}

async function start(dir: string, extra: readonly string[] = []): Promise<GatewayProcess> {
  const gateway = await startGateway(['--dev-secrets', '--json', '--port', '0', ...extra], {
    stateDir: join(dir, '.webhook-gateway'),
    cwd: dir,
    timeoutMs: 240_000,
  });
  started.push(gateway);
  return gateway;
}

/** `send orders` with a JSON body; returns the gateway's line for it. */
async function send(gateway: GatewayProcess, dir: string, body: object): Promise<DeliveryLine> {
  const file = join(dir, `body-${gateway.lines.length}.json`);
  writeFileSync(file, JSON.stringify(body));
  const from = gateway.lines.length;
  const sent = await cli('send', 'orders', '--file', file, '--state-dir', join(dir, '.webhook-gateway'));
  expect(sent.code, sent.stderr).toBe(0);
  return gateway.line((l) => l.webhook === 'orders', from, 30_000);
}

async function waitFor(text: () => string, pattern: RegExp, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pattern.test(text())) {
    if (Date.now() > end) throw new Error(`no ${pattern} in:\n${text()}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

describe('history kept across restarts', () => {
  it('keeps a transform_failed delivery across a restart, and replays it once the app is fixed', async () => {
    const dir = join(root, 'restart');
    const stateDir = join(dir, '.webhook-gateway');
    writeApp(dir, "'orders:' + input.kind", true);
    const first = await start(dir);
    const failed = await send(first, dir, { type: 'created', id: 7 });
    expect(failed).toMatchObject({ status: 'transform_failed' });
    expect(await first.stop()).toMatchObject({ code: 0 });

    writeApp(dir, "'orders:' + input.type");
    const second = await start(dir);
    expect(second.stderr()).toContain('history and executions kept in');
    // A webhook removed from the app is gone from the kept config table, as a deployment removes it.
    expect((await post(`${second.url}/webhooks/legacy`, '{}', { 'content-type': 'application/json' })).status).toBe(
      404,
    );
    const history = await cli('history', 'orders', '--json', '--state-dir', stateDir);
    expect(history.code, history.stderr).toBe(0);
    const [record] = history.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(record).toMatchObject({ deliveryId: failed.deliveryId, status: 'transform_failed' });

    const replay = await cli('replay', 'orders', failed.deliveryId!, '--state-dir', stateDir);
    expect(replay.code, replay.stderr).toBe(0);
    const replayed = await second.line((l) => l.deliveryId === `${failed.deliveryId}#replay-1`);
    expect(replayed).toMatchObject({ status: 'accepted', eventKey: 'orders:created' });
    expect(replayed.executions).toHaveLength(1);

    const executions = await cli('executions', 'orders', '--json', '--state-dir', stateDir);
    expect(
      executions.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    ).toEqual([
      expect.objectContaining({ executionArn: replayed.executions[0], status: 'SUCCEEDED', webhook: 'orders' }),
    ]);
    // The state directory ignores itself, as a virtualenv does.
    expect(readFileSync(join(stateDir, '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    await second.stop();
  }, 600_000);

  it('with --in-memory, keeps nothing: the next start has no history', async () => {
    const dir = join(root, 'memory');
    writeApp(dir, "'orders:' + input.type");
    const first = await start(dir, ['--in-memory']);
    expect(first.stderr()).toContain('live in memory');
    const line = await send(first, dir, { type: 'created' });
    expect(line.status).toBe('accepted');
    await first.stop();
    const second = await start(dir);
    const history = await cli('history', 'orders', '--json', '--state-dir', join(dir, '.webhook-gateway'));
    expect(history.stdout).toBe('');
    await second.stop();
  }, 600_000);
});

describe('local --watch', () => {
  it('serves a changed expression without a restart, and the last good config when the app breaks', async () => {
    const dir = join(root, 'watch');
    writeApp(dir, "'orders:' + input.type");
    const gateway = await start(dir, ['--watch']);
    expect(await send(gateway, dir, { type: 'created', id: 1 })).toMatchObject({ eventKey: 'orders:created' });

    writeApp(dir, "'orders:v2:' + input.type");
    await waitFor(gateway.stderr, /Reloaded: 1 webhook\(s\)/);
    const after = await send(gateway, dir, { type: 'created', id: 2 });
    expect(after).toMatchObject({ status: 'accepted', eventKey: 'orders:v2:created' });
    expect(after.executions).toHaveLength(1);

    writeApp(dir, "'orders:' + (");
    await waitFor(gateway.stderr, /Reload failed, still serving the last good config: .*eventKey/);
    expect(await send(gateway, dir, { type: 'paid', id: 3 })).toMatchObject({ eventKey: 'orders:v2:paid' });
    // The dedup records stay too: the first body again is a duplicate.
    expect(await send(gateway, dir, { type: 'created', id: 1 })).toMatchObject({ status: 'duplicate' });

    // History from before the reloads is still there.
    const history = await cli('history', 'orders', '--json', '--state-dir', join(dir, '.webhook-gateway'));
    expect(history.stdout.trim().split('\n')).toHaveLength(3);
    expect(await gateway.stop()).toMatchObject({ code: 0 });
  }, 600_000);
});
