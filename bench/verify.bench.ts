import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { parseSecretMaterial } from '../lambdas/core/config/secret';
import type { VerifierConfig } from '../lambdas/core/config/verifier';
import { HttpHeaders } from '../lambdas/core/http/headers';
import { InboundRequest } from '../lambdas/core/http/request';
import { schemeFor } from '../lambdas/core/verify/registry';
import type { VerifyContext } from '../lambdas/core/verify/types';
import { githubExample } from '../test/events/fixtures/github';
import type { Benchmark } from './suites/micro';

// Per-request verification cost of the common presets on a realistic (~7 KB) GitHub push body.
const body = Buffer.from(JSON.stringify(githubExample('push')));
const now = new Date();
const ts = Math.floor(now.getTime() / 1000);
const secret = 'a-webhook-secret-of-reasonable-length';
const whsec = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const hex = (key: string | Buffer, data: Buffer | string) => createHmac('sha256', key).update(data).digest('hex');
const ed = generateKeyPairSync('ed25519');
const edPublic = ed.publicKey.export({ type: 'spki', format: 'der' }).subarray(-32).toString('hex');

function context(headers: Record<string, string>, stored: unknown): VerifyContext {
  const material = parseSecretMaterial(stored);
  const request = new InboundRequest({
    method: 'POST',
    url: 'https://x/v1/webhooks/w',
    headers: HttpHeaders.from(headers),
    body,
  });
  return { request, now, secrets: () => material };
}

function bench(name: string, config: VerifierConfig, headers: Record<string, string>, stored: unknown): Benchmark {
  if (config.type === 'allOf') throw new Error('leaf schemes only');
  const scheme = schemeFor(config);
  const verdict = scheme.verify(config, context(headers, stored));
  if (!('ok' in verdict) || !verdict.ok) throw new Error(`bench setup: ${name} does not verify`);
  // A fresh request each time: the body's text/JSON caches must not carry over.
  return { name: `verify ${name} (${body.length} B body)`, fn: () => scheme.verify(config, context(headers, stored)) };
}

export const benchmarks: Benchmark[] = [
  bench(
    'github',
    { type: 'github' },
    { 'x-hub-signature-256': `sha256=${hex(secret, body)}`, 'x-github-event': 'push', 'x-github-delivery': 'd1' },
    secret,
  ),
  bench(
    'stripe',
    { type: 'stripe' },
    { 'stripe-signature': `t=${ts},v1=${hex(secret, Buffer.concat([Buffer.from(`${ts}.`), body]))}` },
    secret,
  ),
  bench(
    'standardWebhooks',
    { type: 'standardWebhooks' },
    {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(ts),
      'webhook-signature': `v1,${createHmac('sha256', Buffer.from(whsec.slice(6), 'base64'))
        .update(Buffer.concat([Buffer.from(`msg_1.${ts}.`), body]))
        .digest('base64')}`,
    },
    whsec,
  ),
  bench(
    'stripe, 3 active secrets (rotation)',
    { type: 'stripe' },
    { 'stripe-signature': `t=${ts},v1=${hex(secret, Buffer.concat([Buffer.from(`${ts}.`), body]))}` },
    ['other-1', 'other-2', secret],
  ),
  bench(
    'discord (Ed25519)',
    { type: 'discord' },
    {
      'x-signature-timestamp': String(ts),
      'x-signature-ed25519': sign(null, Buffer.concat([Buffer.from(String(ts)), body]), ed.privateKey).toString('hex'),
    },
    { publicKey: edPublic },
  ),
];
