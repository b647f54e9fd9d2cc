import { randomBytes, randomUUID } from 'node:crypto';
import type { VerifierConfig } from '../lambdas/core/config/verifier';

export interface Sample {
  readonly body: Buffer;
  readonly contentType: string;
  /** The event type for providers that carry it in a header (X-GitHub-Event, …). */
  readonly eventType?: string;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const json = (value: unknown, eventType?: string): Sample => ({
  body: Buffer.from(JSON.stringify(value, null, 2)),
  contentType: 'application/json',
  ...(eventType !== undefined && { eventType }),
});

/**
 * A realistic event for the webhook's provider, new ids each time (so that a second `send` is not
 * a duplicate): what `webhook-gateway send` posts without `--file`.
 */
export function sampleEvent(verifier: VerifierConfig, now = new Date()): Sample {
  const seconds = Math.floor(now.getTime() / 1000);
  const iso = now.toISOString();
  const type =
    verifier.type === 'allOf'
      ? (verifier.sources.find((s) => s.type !== 'headerMatch')?.type ?? 'none')
      : verifier.type;
  switch (type) {
    case 'github':
      return json(
        {
          ref: 'refs/heads/main',
          before: hex(20),
          after: hex(20),
          repository: { id: 1296269, name: 'hello-world', full_name: 'octocat/hello-world', private: false },
          pusher: { name: 'octocat', email: 'octocat@github.com' },
          sender: { login: 'octocat', id: 1, type: 'User' },
          head_commit: { id: hex(20), message: 'Update README.md', timestamp: iso },
        },
        'push',
      );
    case 'stripe':
      return json({
        id: `evt_${hex(12)}`,
        object: 'event',
        api_version: '2025-09-30.clover',
        created: seconds,
        type: 'payment_intent.succeeded',
        livemode: false,
        data: {
          object: {
            id: `pi_${hex(12)}`,
            object: 'payment_intent',
            amount: 2000,
            currency: 'usd',
            customer: 'cus_local',
            status: 'succeeded',
          },
        },
      });
    case 'slack':
      return json({
        token: 'local',
        team_id: 'T0001',
        api_app_id: 'A0001',
        type: 'event_callback',
        event_id: `Ev${hex(5).toUpperCase()}`,
        event_time: seconds,
        event: {
          type: 'app_mention',
          user: 'U0001',
          text: '<@U0002> hello',
          channel: 'C0001',
          ts: `${seconds}.000100`,
        },
      });
    case 'shopify':
      return json(
        {
          id: Number.parseInt(hex(5), 16),
          email: 'customer@example.com',
          created_at: iso,
          currency: 'USD',
          total_price: '19.99',
          line_items: [{ id: 1, title: 'Sample product', quantity: 1, price: '19.99' }],
        },
        'orders/create',
      );
    case 'twilio':
      return {
        body: Buffer.from(
          new URLSearchParams({
            MessageSid: `SM${hex(16)}`,
            AccountSid: `AC${hex(16)}`,
            From: '+15005550006',
            To: '+15005550001',
            Body: 'Hello from webhook-gateway send',
            NumMedia: '0',
          }).toString(),
        ),
        contentType: 'application/x-www-form-urlencoded',
      };
    case 'sendgrid':
      return json([
        {
          email: 'user@example.com',
          timestamp: seconds,
          event: 'delivered',
          sg_event_id: hex(11),
          sg_message_id: hex(11),
        },
      ]);
    case 'discord':
      return json({
        id: String(BigInt(`0x${hex(7)}`)),
        application_id: '100000000000000000',
        type: 2,
        data: { id: '200000000000000000', name: 'hello', type: 1 },
        token: hex(16),
        version: 1,
      });
    case 'zoom':
      return json({
        event: 'meeting.started',
        event_ts: now.getTime(),
        payload: { account_id: 'local', object: { id: hex(5), uuid: randomUUID(), topic: 'Standup', start_time: iso } },
      });
    case 'linear':
      return json(
        {
          action: 'create',
          type: 'Issue',
          createdAt: iso,
          organizationId: randomUUID(),
          data: { id: randomUUID(), identifier: 'ENG-1', title: 'Sample issue', teamId: randomUUID() },
          url: 'https://linear.app/example/issue/ENG-1',
        },
        'Issue',
      );
    case 'paddle':
      return json({
        event_id: `evt_${hex(13)}`,
        notification_id: `ntf_${hex(13)}`,
        event_type: 'transaction.completed',
        occurred_at: iso,
        data: { id: `txn_${hex(13)}`, status: 'completed', customer_id: 'ctm_local', currency_code: 'USD' },
      });
    case 'msTeams':
      return json({
        type: 'message',
        id: hex(8),
        timestamp: iso,
        text: '<at>Bot</at> hello',
        from: { id: '29:1', name: 'Local User' },
        conversation: { id: '19:local@thread.skype' },
      });
    case 'gitlab':
      return json(
        {
          object_kind: 'push',
          ref: 'refs/heads/main',
          checkout_sha: hex(20),
          project: { id: 1, path_with_namespace: 'group/project' },
          user_username: 'local',
        },
        'Push Hook',
      );
    case 'standardWebhooks':
    case 'svix':
      return json({
        type: 'invoice.paid',
        timestamp: iso,
        data: { id: `inv_${hex(8)}`, amount: 2000, customer: 'cus_local' },
      });
    default:
      return json({
        id: `evt_${hex(8)}`,
        event: 'created',
        type: 'test.created',
        customerId: 'cus_local',
        createdAt: iso,
        data: { message: 'Hello from webhook-gateway send' },
      });
  }
}

/** The header that carries the event type, for providers that have one. */
export function eventHeader(verifier: VerifierConfig): string | undefined {
  const type = verifier.type === 'allOf' ? verifier.sources[0]?.type : verifier.type;
  return { github: 'x-github-event', shopify: 'x-shopify-topic', gitlab: 'x-gitlab-event', linear: 'linear-event' }[
    type as string
  ];
}
