import { createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventWebhook } from '@sendgrid/eventwebhook';
import { verifyKey } from 'discord-interactions';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryLine } from '../../cli/output';
import { synthesizeFixture } from './fixtures/app';
import { cli, post, postGitHub, runBin, startGateway, type GatewayProcess } from './support';

/**
 * The local gateway on the tests' own app (test/cli/fixtures/app.ts), read as a cloud assembly
 * (`--app <cdk.out>`): secrets from a --secrets file, WEBHOOK_SECRET_<NAME> and development key
 * pairs; public-key presets; the usage plan's throttle and the ingest's rate window; a Task state
 * that cannot run locally; and the ways the start can fail.
 */

const SECRETS = { deploys: 'deploys-secret-from-file', sms: '0123456789abcdef0123456789abcdef' };
const ENV = { WEBHOOK_SECRET_LIMITED: 'limited-secret-from-env', WEBHOOK_SECRET_WINDOWED: 'windowed-secret-from-env' };

let root: string;
let assembly: string;
let stateDir: string;
let secretsFile: string;
let gateway: GatewayProcess;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'wg-fixture-'));
  assembly = synthesizeFixture(join(root, 'cdk.out'));
  stateDir = join(root, 'state');
  secretsFile = join(root, 'secrets.json');
  writeFileSync(secretsFile, JSON.stringify(SECRETS));
  gateway = await startGateway(
    ['--app', assembly, '--secrets', secretsFile, '--dev-secrets', '--json', '--port', '0'],
    {
      stateDir,
      env: ENV,
    },
  );
}, 120_000);

afterAll(async () => {
  await gateway?.stop('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

const url = (webhook: string) => `${gateway.url}/webhooks/${webhook}`;

const github = (webhook: string, event: string, body: object, delivery: string, secret: string) =>
  postGitHub(url(webhook), event, body, delivery, secret);

describe('starting the local gateway', () => {
  it('fails if a webhook has no secret: one line naming the variable, the file shape and --dev-secrets', async () => {
    const result = await runBin(['local', '--app', assembly, '--port', '0', '--state-dir', join(root, 'bare')]);
    expect(result.code).toBe(1);
    // Exactly one line: no progress line before it when stderr is not a terminal.
    expect(result.stderr.trimEnd()).toMatch(
      /^webhook-gateway local: no secret for webhooks "discord" \(discord\), "sendgrid" \(sendgrid\), .*: set WEBHOOK_SECRET_DISCORD, WEBHOOK_SECRET_SENDGRID, .*, or pass --secrets FILE with \{"discord": \{"publicKey": "…"\}, .*"deploys": "…".*\}, or add --dev-secrets to generate development secrets$/,
    );
  });

  it('fails if the port is in use: one line', async () => {
    const port = new URL(gateway.url).port;
    const result = await runBin([
      'local',
      '--app',
      assembly,
      '--dev-secrets',
      '--port',
      port,
      '--state-dir',
      join(root, 'other'),
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `webhook-gateway local: port ${port} on 127.0.0.1 is in use: stop the process using it, or pass --port ${Number(port) + 1}\n`,
    );
  });

  it('fails if a local gateway already runs for the state directory', async () => {
    const result = await runBin(['local', '--app', assembly, '--port', '0', '--state-dir', stateDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^webhook-gateway local: a local gateway is already running for this project \(pid \d+, http:/,
    );
  });

  it('says in the banner where each secret comes from', () => {
    const banner = gateway.stderr();
    expect(banner).toMatch(/limited .*\n\s+secret from WEBHOOK_SECRET_LIMITED\n/);
    expect(banner).toMatch(
      new RegExp(`deploys .*\\n\\s+secret from ${secretsFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`),
    );
    expect(banner).toMatch(
      /discord .*\n\s+secret development secret in .*dev-secrets\.json \(a generated key pair: send signs with its private key\)/,
    );
  });
});

describe('the test app on the local gateway', () => {
  it('accepts a Discord interaction signed with the development key pair (discord-interactions verifies it), recording the Task it cannot run', async () => {
    const dev = gateway.devSecrets().discord!;
    const body = JSON.stringify({ id: '990001', type: 2, data: { name: 'hello' } });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = cryptoSign(null, Buffer.from(timestamp + body), createPrivateKey(dev.privateKey!)).toString(
      'hex',
    );
    expect(await verifyKey(body, signature, timestamp, dev.publicKey!)).toBe(true);
    const response = await post(url('discord'), body, {
      'content-type': 'application/json',
      'x-signature-ed25519': signature,
      'x-signature-timestamp': timestamp,
    });
    expect(response.json()).toEqual({ id: '990001', status: 'accepted' });
    const line = await gateway.line((l) => l.deliveryId === '990001');
    expect(line).toMatchObject({
      status: 'accepted',
      eventKey: 'discord:2',
      executions: [expect.stringContaining(':execution:Handle')],
    });
    for (let i = 0; i < 50 && !gateway.stderr().includes('task "Notify"'); i++)
      await new Promise((d) => setTimeout(d, 100));
    expect(gateway.stderr()).toMatch(
      /task "Notify" \(arn:aws:lambda:us-east-1:000000000000:function:Notifier\w+\) not run locally, input recorded: \{"webhook":"discord","deliveryId":"990001"/,
    );
  });

  it("answers Discord's PING with a PONG once the signature verifies", async () => {
    const dev = gateway.devSecrets().discord!;
    const body = '{"type":1}';
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = cryptoSign(null, Buffer.from(timestamp + body), createPrivateKey(dev.privateKey!)).toString(
      'hex',
    );
    const from = gateway.lines.length;
    const pong = await post(url('discord'), body, {
      'content-type': 'application/json',
      'x-signature-ed25519': signature,
      'x-signature-timestamp': timestamp,
    });
    expect(pong).toMatchObject({ status: 200 });
    expect(pong.json()).toEqual({ type: 1 });
    expect(await gateway.line((l) => l.webhook === 'discord', from)).toMatchObject({ status: 'handshake' });
  });

  it('accepts SendGrid events signed with the development key pair (@sendgrid/eventwebhook verifies it)', async () => {
    const dev = gateway.devSecrets().sendgrid!;
    const body = JSON.stringify([{ email: 'a@example.com', event: 'delivered', sg_event_id: 'sg-1', timestamp: 1 }]);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = cryptoSign('sha256', Buffer.from(timestamp + body), createPrivateKey(dev.privateKey!)).toString(
      'base64',
    );
    const ew = new EventWebhook();
    expect(ew.verifySignature(ew.convertPublicKeyToECDSA(dev.publicKey!), body, signature, timestamp)).toBe(true);
    const from = gateway.lines.length;
    const response = await post(url('sendgrid'), body, {
      'content-type': 'application/json',
      'x-twilio-email-event-webhook-signature': signature,
      'x-twilio-email-event-webhook-timestamp': timestamp,
    });
    expect(response.status).toBe(202);
    expect(await gateway.line((l) => l.webhook === 'sendgrid', from)).toMatchObject({
      status: 'accepted',
      eventKey: 'sendgrid:delivered',
    });
  });

  it('send signs for public-key presets with the development private keys', async () => {
    for (const webhook of ['discord', 'sendgrid']) {
      const sent = await cli('send', webhook, '--state-dir', stateDir);
      expect(sent.stdout).toMatch(/^202 \{"id":".+","status":"accepted"\}\n$/);
    }
  });

  it('records what the webhook filter drops as filtered (secret from the --secrets file)', async () => {
    const from = gateway.lines.length;
    // GitHub signs the body alone (not X-GitHub-Event): each delivery has its own body, as GitHub's do.
    expect((await github('deploys', 'push', { ref: 'main' }, 'dep-push', SECRETS.deploys)).json()).toEqual({
      id: 'dep-push',
      status: 'filtered',
    });
    expect((await github('deploys', 'deployment', { deployment: { id: 1 } }, 'dep-1', SECRETS.deploys)).json()).toEqual(
      {
        id: 'dep-1',
        status: 'accepted',
      },
    );
    expect(await gateway.line((l) => l.deliveryId === 'dep-push', from)).toMatchObject({
      status: 'filtered',
      routes: [],
      executions: [],
    });
    await gateway.line((l) => l.deliveryId === 'dep-1' && l.status === 'accepted', from);
  });

  it("applies the usage plan's throttle locally: rate 1/s, burst 2 → the third request at once is 429", async () => {
    const from = gateway.lines.length;
    const responses = await Promise.all(
      [0, 1, 2].map((i) => github('limited', 'push', { i }, `lim-${i}`, ENV.WEBHOOK_SECRET_LIMITED)),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([202, 202, 429]);
    const throttled = responses.find((r) => r.status === 429)!;
    expect(throttled.json()).toEqual({ message: 'Too Many Requests' });
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await gateway.line((l) => l.webhook === 'limited' && l.status === 'rejected', from)).toEqual({
      time: expect.any(String),
      webhook: 'limited',
      deliveryId: null,
      status: 'rejected',
      reason: 'throttled',
      routes: [],
      executions: [],
    });
  });

  it("applies the ingest's rate window (1 an hour) with the same code as deployed", async () => {
    // Three requests in a row: even if the top of the hour falls between two of them (a new
    // window), two of them share a window and the later one is refused.
    const statuses: number[] = [];
    for (const id of ['win-1', 'win-2', 'win-3']) {
      statuses.push((await github('windowed', 'push', { id }, id, ENV.WEBHOOK_SECRET_WINDOWED)).status);
    }
    expect(statuses[0]).toBe(202);
    expect(statuses.filter((s) => s === 202).length).toBeLessThanOrEqual(2);
    expect(statuses).toContain(429);
    await gateway.line((l: DeliveryLine) => l.webhook === 'windowed' && l.reason === 'rate_window_exceeded');
  });

  it('accepts an API key in the query string (send adds it), and rejects a request without one', async () => {
    expect((await cli('send', 'keyed', '--state-dir', stateDir)).stdout).toMatch(/^202 .*"accepted"/);
    const from = gateway.lines.length;
    expect((await post(url('keyed'), '{"event":"x"}', { 'content-type': 'application/json' })).status).toBe(401);
    expect(await gateway.line((l) => l.webhook === 'keyed' && l.status === 'rejected', from)).toMatchObject({
      reason: expect.any(String),
    });
  });

  it('verifies Twilio against the URL the sender addressed locally (twilio signs it)', async () => {
    const params = { MessageSid: 'SM1', From: '+15005550006', To: '+15005550001', Body: 'hi' };
    const signature = twilio.getExpectedTwilioSignature(SECRETS.sms, url('sms'), params);
    expect(twilio.validateRequest(SECRETS.sms, signature, url('sms'), params)).toBe(true);
    const response = await post(url('sms'), new URLSearchParams(params).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
      'i-twilio-idempotency-token': 'tw-1',
    });
    expect(response.status).toBe(202);
    expect(await gateway.line((l) => l.deliveryId === 'tw-1')).toMatchObject({
      status: 'accepted',
      eventKey: 'sms:+15005550006',
    });
    expect((await cli('send', 'sms', '--state-dir', stateDir)).stdout).toMatch(/^202 /);
  });

  it('fails if send cannot see a secret the gateway reads from a variable: one line saying to set it', async () => {
    const sent = await cli('send', 'limited', '--state-dir', stateDir);
    expect(sent).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'webhook-gateway send: the local gateway reads webhook "limited"\'s secret from WEBHOOK_SECRET_LIMITED: set it in this shell too, or pass --secrets FILE\n',
    });
  });

  it('fails if secret set|rotate target a secret the gateway reads from a variable this shell lacks (a regression: they wrote a development secret the gateway ignores)', async () => {
    const before = JSON.stringify(gateway.devSecrets());
    for (const args of [
      ['set', 'limited', 'x'],
      ['rotate', 'limited'],
    ]) {
      const changed = await cli('secret', ...args, '--state-dir', stateDir);
      expect(changed.code).toBe(1);
      expect(changed.stderr).toMatch(
        /^webhook-gateway secret: webhook "limited"'s local secret comes from WEBHOOK_SECRET_LIMITED, which the running gateway read at its start: change the variable and restart the gateway, or unset it/,
      );
    }
    expect(JSON.stringify(gateway.devSecrets())).toBe(before);
    const got = await cli('secret', 'get', 'limited', '--state-dir', stateDir);
    expect(got).toMatchObject({ code: 1, stdout: '' });
    expect(got.stderr).toMatch(
      /reads webhook "limited"'s secret from WEBHOOK_SECRET_LIMITED, which this shell does not have/,
    );
  });

  it('send --secrets FILE signs with the file, without asking for the variable the gateway reads', async () => {
    const file = join(root, 'limited.json');
    writeFileSync(file, JSON.stringify({ limited: ENV.WEBHOOK_SECRET_LIMITED }));
    const send = () => cli('send', 'limited', '--secrets', file, '--json', '--state-dir', stateDir);
    let sent = await send();
    // The usage plan (1/s, burst 2) may still be empty from the throttle test: a token comes back within 1 s.
    for (let i = 0; i < 3 && /answered 429/.test(sent.stderr); i++) {
      await new Promise((done) => setTimeout(done, 1100));
      sent = await send();
    }
    expect(sent.stderr).not.toMatch(/set it in this shell/);
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({ status: 202, body: { status: 'accepted' } });
  });

  it('fails if secret set targets a secret that comes from a file', async () => {
    const set = await cli('secret', 'set', 'deploys', 'new-value', '--state-dir', stateDir);
    expect(set.code).toBe(1);
    expect(set.stderr).toMatch(
      /^webhook-gateway secret: webhook "deploys"'s local secret comes from .*secrets\.json: change it there/,
    );
  });

  it('secret get prints a development public key as the provider shows it (Discord: hex)', async () => {
    const got = await cli('secret', 'get', 'discord', '--state-dir', stateDir);
    expect(got.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect(got.stdout.trim()).toBe(gateway.devSecrets().discord!.publicKey);
  });
});
