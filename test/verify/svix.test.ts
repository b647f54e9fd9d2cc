import { Webhook } from 'svix';
import { describe, expect, it } from 'vitest';
import { verify } from '../helpers/verify';
import { body, now, secret, standardWebhooksTests } from './standard-webhooks.suite';

describe('svix preset', () => {
  standardWebhooksTests({
    config: { type: 'svix' },
    prefix: 'svix-',
    sign: (key, id, at, payload) => new Webhook(key).sign(id, at, payload),
    libraryVerify: (key, payload, headers) => new Webhook(key).verify(payload, headers),
  });

  it("accepts Svix's unbranded webhook- headers, as the svix library does", async () => {
    const live = new Date(Math.floor(Date.now() / 1000) * 1000);
    const headers = {
      'webhook-id': 'msg_2',
      'webhook-timestamp': String(live.getTime() / 1000),
      'webhook-signature': new Webhook(secret).sign('msg_2', live, body),
    };
    expect(() => new Webhook(secret).verify(body, headers)).not.toThrow();
    expect(await verify({ type: 'svix' }, { headers, body }, secret, live)).toMatchObject({
      ok: true,
      deliveryId: 'msg_2',
    });
  });

  it('prefers the svix- header when both are sent', async () => {
    const headers = {
      'svix-id': 'msg_3',
      'webhook-id': 'msg_other',
      'svix-timestamp': String(now.getTime() / 1000),
      'svix-signature': new Webhook(secret).sign('msg_3', now, body),
    };
    expect(await verify({ type: 'svix' }, { headers, body }, secret, now)).toMatchObject({
      ok: true,
      deliveryId: 'msg_3',
    });
  });
});
