import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { verify } from '../helpers/verify';
import { body, now, secret, standardWebhooksTests } from './standard-webhooks.suite';

describe('standardWebhooks preset', () => {
  standardWebhooksTests({
    config: { type: 'standardWebhooks' },
    prefix: 'webhook-',
    sign: (key, id, at, payload) => new Webhook(key).sign(id, at, payload),
    libraryVerify: (key, payload, headers) => new Webhook(key).verify(payload, headers),
  });

  it('fails if the headers carry the svix- prefix instead of webhook-', async () => {
    const signature = new Webhook(secret).sign('msg_1', now, body);
    const headers = { 'svix-id': 'msg_1', 'svix-timestamp': String(now.getTime() / 1000), 'svix-signature': signature };
    expect(await verify({ type: 'standardWebhooks' }, { headers, body }, secret, now)).toMatchObject({
      ok: false,
      reason: 'missing_header',
    });
  });
});
