import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  parse,
  parseDuration,
  parseHeaders,
  requestOptions,
  stringOptions,
  targetFlags,
  targetOptions,
} from '../../cli/args';
import { describeFailure } from '../../cli/errors';
import { humanLine, jsonLine } from '../../cli/output';
import { SweepSchedule } from '../../cli/local/sweep-schedule';
import { UsagePlanThrottle, quotaWindow } from '../../cli/local/throttle';
import { sampleEvent } from '../../cli/samples';
import { devMaterial, newDevSecret } from '../../cli/secrets/dev';
import { secretNeeds, secretVariable } from '../../cli/secrets/needs';
import { requestContent } from '../../cli/signed-delivery';
import { signRequest, twilioJsonUrl, urlWithApiKey } from '../../cli/sign';
import { PRESET_NAMES, type VerifierConfig } from '../../lambdas/core/config/verifier';
import type { WebhookConfig } from '../../lambdas/core/config/webhook';
import { verify } from '../helpers/verify';

const webhook = (name: string, verifier: VerifierConfig): WebhookConfig => ({
  name,
  verifier,
  secrets: {},
  expressions: { eventKey: "'x'" },
  maxBodySize: 1024 * 1024,
});

const GENERIC: VerifierConfig[] = [
  {
    type: 'hmac',
    header: 'x-sig',
    algorithm: 'sha512',
    encoding: 'base64',
    signedContent: '{timestamp}.{body}',
    timestampHeader: 'x-ts',
  },
  { type: 'basicAuth', username: 'sender' },
  { type: 'apiKey', queryParameter: 'key' },
  { type: 'jwt', algorithms: ['ES256'], issuer: 'https://issuer.example' },
  { type: 'jwt', algorithms: ['EdDSA'] },
  { type: 'jwt', algorithms: ['RS256'] },
  { type: 'jwt', algorithms: ['HS256'] },
  { type: 'allOf', sources: [{ type: 'github' }, { type: 'apiKey', header: 'x-key', secret: 'apiKey' }] },
];

describe('development secrets, sample events and send, for every scheme', () => {
  const configs: VerifierConfig[] = [...PRESET_NAMES.map((type) => ({ type }) as VerifierConfig), ...GENERIC];

  it.each(configs.map((c) => [c.type === 'jwt' ? `jwt ${c.algorithms[0]}` : c.type, c] as const))(
    '%s: a generated secret signs the sample event, and the gateway verifies it',
    async (_name, verifier) => {
      const needs = secretNeeds(webhook('w', verifier));
      const dev = Object.fromEntries(needs.map((n) => [n.ref, newDevSecret(n)]));
      const material = Object.fromEntries(Object.entries(dev).map(([ref, d]) => [ref, devMaterial(d)]));
      const sample = sampleEvent(verifier);
      let url = 'http://127.0.0.1:8787/webhooks/w';
      const keys = {
        secret: (ref: string) => material[ref]?.values[0]?.value,
        privateKey: (ref: string) => dev[ref]?.privateKey,
      };
      url = urlWithApiKey(verifier, url, keys);
      if (verifier.type === 'twilio' && !sample.contentType.includes('form')) url = twilioJsonUrl(url, sample.body);
      const signed = await signRequest(verifier, { url, body: sample.body, contentType: sample.contentType }, keys);
      const verdict = await verify(verifier, { url, headers: signed.headers, body: signed.body }, material);
      expect(verdict).toMatchObject({ ok: true });
    },
  );

  it('shapes keys as providers publish them: Discord raw hex, SendGrid base64 DER', () => {
    const discord = newDevSecret({
      webhook: 'd',
      ref: 'default',
      scheme: 'discord',
      origin: 'public-key',
      keyType: 'ed25519',
    });
    expect(discord.publicKey).toMatch(/^[0-9a-f]{64}$/);
    const sendgrid = newDevSecret({
      webhook: 's',
      ref: 'default',
      scheme: 'sendgrid',
      origin: 'public-key',
      keyType: 'p256',
    });
    expect(sendgrid.publicKey).toMatch(/^MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE[A-Za-z0-9+/]+=*$/);
    expect(newDevSecret({ webhook: 'x', ref: 'default', scheme: 'svix', origin: 'provider-issued' }).secret).toMatch(
      /^whsec_[A-Za-z0-9+/]{32}$/,
    );
  });

  it('names secret variables as LocalSecretStore reads them', () => {
    expect(secretVariable('my-hook', 'default')).toBe('WEBHOOK_SECRET_MY_HOOK');
    expect(secretVariable('hook.v2', 'apiKey')).toBe('WEBHOOK_SECRET_HOOK_V2_APIKEY');
  });
});

describe('UsagePlanThrottle (the usage plan, emulated locally)', () => {
  it('lets a burst through, then refills at the rate', () => {
    const t0 = Date.UTC(2026, 0, 1);
    const throttle = new UsagePlanThrottle({ rate: 2, burst: 3 }, t0);
    expect([1, 2, 3, 4].map(() => throttle.take(t0).allowed)).toEqual([true, true, true, false]);
    expect(throttle.take(t0)).toEqual({ allowed: false, reason: 'throttled', retryAfterSeconds: 1 });
    expect(throttle.take(t0 + 500).allowed).toBe(true);
    expect(throttle.take(t0 + 500).allowed).toBe(false);
  });

  it('counts a quota per period and says when it resets', () => {
    const monday = Date.UTC(2026, 10, 23, 10);
    const throttle = new UsagePlanThrottle({ quota: { limit: 2, period: 'WEEK' } }, monday);
    expect([throttle.take(monday).allowed, throttle.take(monday + 1000).allowed]).toEqual([true, true]);
    expect(throttle.take(monday + 2000)).toEqual({
      allowed: false,
      reason: 'quota_exceeded',
      retryAfterSeconds: (Date.UTC(2026, 10, 30) - monday - 2000) / 1000,
    });
    expect(throttle.take(Date.UTC(2026, 10, 30, 0, 0, 1)).allowed).toBe(true);
  });

  it('aligns quota periods to UTC days, Monday weeks and calendar months', () => {
    const t = Date.UTC(2026, 1, 18, 15, 30);
    expect(quotaWindow('DAY', t)).toEqual([Date.UTC(2026, 1, 18), Date.UTC(2026, 1, 19)]);
    expect(quotaWindow('WEEK', t)).toEqual([Date.UTC(2026, 1, 16), Date.UTC(2026, 1, 23)]);
    expect(quotaWindow('MONTH', t)).toEqual([Date.UTC(2026, 1, 1), Date.UTC(2026, 2, 1)]);
  });
});

describe('argument parsing', () => {
  it('reads durations and headers', () => {
    expect(parseDuration('1h30m', '--since')).toBe(5_400_000);
    expect(parseDuration('7d', '--since')).toBe(604_800_000);
    expect(parseHeaders(['X-GitHub-Event=push', 'x-a: b=c'])).toEqual({ 'x-github-event': 'push', 'x-a': 'b=c' });
  });

  it('fails if a duration or header is malformed, as usage errors', () => {
    expect(() => parseDuration('soon', '--since')).toThrow(/--since "soon": expected a duration/);
    expect(() => parseHeaders(['novalue'])).toThrow(/expected name=value/);
  });
});

describe('describeFailure (one line for AWS errors)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.unstubAllEnvs();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), {
    name: 'CredentialsProviderError',
  });
  const noRegion = new Error('Region is missing');
  const awsFiles = (config: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-aws-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'config'), config);
    vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'config'));
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'credentials'));
  };

  it('fails if AWS_PROFILE names a profile that does not exist: says so, for a missing region too', () => {
    awsFiles('[default]\nregion = eu-west-1\n[profile dev]\nregion = eu-west-1\n');
    vi.stubEnv('AWS_PROFILE', 'nonexistent');
    const expected =
      'no AWS credentials: profile "nonexistent" (AWS_PROFILE) is in neither ~/.aws/config nor ~/.aws/credentials: run `aws configure --profile nonexistent` (or `aws sso login --profile nonexistent`), or unset AWS_PROFILE';
    expect(describeFailure(noCredentials)).toBe(expected);
    expect(describeFailure(noRegion)).toBe(expected);
  });

  it('fails without credentials or region: says how to configure them', () => {
    awsFiles('[profile dev]\nregion = eu-west-1\n');
    for (const profile of [undefined, 'dev']) {
      vi.stubEnv('AWS_PROFILE', profile);
      expect(describeFailure(noCredentials)).toBe(
        'no AWS credentials: run `aws configure` (or `aws sso login`), or set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
      );
      expect(describeFailure(noRegion)).toBe('no AWS region: pass --region, or set AWS_REGION or AWS_PROFILE');
    }
  });
});

describe('delivery lines', () => {
  it('gives a duplicate its own line, in --json and in the human form', () => {
    const line = {
      time: '2026-03-01T12:00:00.000Z',
      webhook: 'github',
      deliveryId: 'gh-1',
      status: 'duplicate',
      eventKey: 'github:push',
      routes: ['r1'],
      executions: [],
    };
    expect(JSON.parse(jsonLine(line))).toEqual(line);
    const human = humanLine(line, { httpStatus: 202 }, (_, text) => text);
    expect(human).toMatch(/^\d\d:\d\d:\d\d +github +202 duplicate +gh-1 +github:push$/);
  });
});

describe('SweepSchedule (the sweeper schedule, emulated locally)', () => {
  it('runs the sweep on its interval, one run at a time, and stop waits for a run in progress', async () => {
    let runs = 0;
    let active = 0;
    let overlapped = false;
    const schedule = new SweepSchedule(
      async () => {
        runs++;
        overlapped ||= active > 0;
        active++;
        await new Promise((done) => setTimeout(done, 30));
        active--;
      },
      () => undefined,
      10,
    );
    schedule.start();
    await new Promise((done) => setTimeout(done, 120));
    await schedule.stop();
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(overlapped).toBe(false);
    expect(active).toBe(0);
    const after = runs;
    await new Promise((done) => setTimeout(done, 40));
    expect(runs).toBe(after);
  });
});

describe('signedDelivery', () => {
  it('signs the URL the provider signs (publicUrl, with the posted query) and posts to the given URL', async () => {
    const { signedDelivery } = await import('../../cli/signed-delivery');
    const twilio = await import('twilio');
    const token = 'twilio-auth-token';
    const config = {
      ...webhook('sms', { type: 'twilio' }),
      publicUrl: 'https://hooks.example.com/v1/webhooks/sms',
    };
    const material = { secret: () => token, privateKey: () => undefined };
    const local = 'http://127.0.0.1:8787/webhooks/sms';
    const signed = await signedDelivery(config, { url: local, contentType: 'application/json' }, material, false);
    expect(signed.url.startsWith(`${local}?bodySHA256=`)).toBe(true);
    const query = signed.url.slice(local.length);
    const signature = signed.headers['x-twilio-signature']!;
    expect(
      twilio.validateRequestWithBody(token, signature, `${config.publicUrl}${query}`, signed.body.toString()),
    ).toBe(true);
    expect(twilio.validateRequestWithBody(token, signature, signed.url, signed.body.toString())).toBe(false);
  });
});

describe('the options commands share', () => {
  const ctx = { cwd: '/work/project', signal: new AbortController().signal };

  it('targetOptions: a stack with its region, or the state directory; --app and --stack exclude each other', () => {
    expect(targetOptions({ stack: 'Prod', region: 'eu-west-1', 'state-dir': 'state' }, ctx)).toEqual({
      stateDir: '/work/project/state',
      cwd: '/work/project',
      signal: ctx.signal,
      stack: 'Prod',
      region: 'eu-west-1',
    });
    expect(targetOptions({ app: 'cdk.out', 'state-dir': '/tmp/s' }, ctx)).toMatchObject({
      app: 'cdk.out',
      stateDir: '/tmp/s',
    });
    expect(() => targetOptions({ app: 'a', stack: 'b' }, ctx)).toThrow(
      '--app (local) and --stack (deployed) exclude each other',
    );
    expect(() => targetOptions({ region: 'eu-west-1' }, ctx)).toThrow('--region goes with --stack');
  });

  it('stringOptions declares options that take a value, and parse rejects one given without it', () => {
    const options = stringOptions('since', 'public-key');
    expect(options).toEqual({ since: { type: 'string' }, 'public-key': { type: 'string' } });
    expect(parse(['--since', '1h', '--public-key=k'], options).values).toMatchObject({
      since: '1h',
      'public-key': 'k',
    });
    expect(() => parse(['--since'], options)).toThrow("Option '--since <value>' argument missing");
  });

  it('targetFlags names the same gateway again, quoted for the shell', () => {
    expect(targetFlags({ stack: 'Prod', region: 'eu-west-1', 'state-dir': 'ignored' })).toBe(
      ' --stack Prod --region eu-west-1',
    );
    expect(targetFlags({ 'state-dir': '/tmp/my state' })).toBe(" --state-dir '/tmp/my state'");
    expect(targetFlags({ app: 'cdk.out' })).toBe('');
  });

  it('requestContent reads --file as send signs it and test evaluates it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-request-'));
    try {
      const file = (name: string, text: string) => {
        writeFileSync(join(dir, name), text);
        return join(dir, name);
      };
      const github: VerifierConfig = { type: 'github' };
      const read = (values: Parameters<typeof requestOptions>[0]) => requestContent(github, requestOptions(values));
      expect(read({ file: file('a.JSON', 'x=1') })).toMatchObject({ contentType: 'application/json' });
      expect(read({ file: file('b.txt', ' [1]') })).toMatchObject({ contentType: 'application/json' });
      expect(read({ file: file('c.txt', 'a=1&b=2') })).toMatchObject({
        contentType: 'application/x-www-form-urlencoded',
      });
      expect(read({ file: file('d.txt', 'plain words') })).toMatchObject({ contentType: 'application/octet-stream' });
      expect(read({ file: join(dir, 'd.txt'), 'content-type': 'text/csv' }).contentType).toBe('text/csv');
      expect(read({ file: join(dir, 'd.txt'), header: ['Content-Type: a/b', 'x-extra=1'] })).toMatchObject({
        contentType: 'a/b',
        headers: { 'x-extra': '1' },
        eventType: undefined,
      });
      expect(() => read({ file: join(dir, 'missing.json') })).toThrow(
        `--file ${join(dir, 'missing.json')}: no such file`,
      );
      const sample = read({ event: 'issues' });
      expect(sample).toMatchObject({ contentType: 'application/json', eventType: 'issues' });
      expect(JSON.parse(sample.body.toString())).toEqual(expect.any(Object));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
