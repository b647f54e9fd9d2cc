import type { Fresh } from './fresh';

/**
 * Hand-written samples for the providers without a fixtures package, each checked against the
 * provider's documentation of its payloads (the page is named above each set). One function per
 * event type; the first of each set is what `send` posts without `--event`.
 */
export type Body = Record<string, unknown> | unknown[] | { readonly form: Record<string, string> };
export type EventSet = Readonly<Record<string, (f: Fresh) => Body>>;

const TEAM = 'T061EG9R6';
const APP = 'A0FFV41KK';
const slackEnvelope = (f: Fresh, event: Record<string, unknown>) => ({
  token: 'XXYYZZ',
  team_id: TEAM,
  api_app_id: APP,
  event,
  type: 'event_callback',
  event_id: `Ev${f.id(9).toUpperCase()}`,
  event_time: f.seconds,
  authorizations: [{ team_id: TEAM, user_id: 'U0LAN0Z89', is_bot: true, is_enterprise_install: false }],
  is_ext_shared_channel: false,
  event_context: `4-${f.id(40)}`,
});
const ts = (f: Fresh) => `${f.seconds}.${String(f.now.getMilliseconds()).padStart(3, '0')}100`;

/** Slack Events API (https://docs.slack.dev/apis/events-api), interactivity and slash commands (form-encoded). */
export const SLACK: EventSet = {
  app_mention: (f) =>
    slackEnvelope(f, {
      type: 'app_mention',
      user: 'W021FGA1Z',
      text: '<@U0LAN0Z89> is it everything a river should be?',
      ts: ts(f),
      channel: 'C111',
      event_ts: ts(f),
    }),
  message: (f) =>
    slackEnvelope(f, {
      type: 'message',
      channel: 'C2147483705',
      user: 'U2147483697',
      text: 'Hello world',
      ts: ts(f),
      channel_type: 'channel',
      event_ts: ts(f),
    }),
  reaction_added: (f) =>
    slackEnvelope(f, {
      type: 'reaction_added',
      user: 'U123ABC456',
      reaction: 'thumbsup',
      item_user: 'U222222222',
      item: { type: 'message', channel: 'C123ABC456', ts: '1360782400.498405' },
      event_ts: ts(f),
    }),
  app_home_opened: (f) =>
    slackEnvelope(f, {
      type: 'app_home_opened',
      user: 'U123ABC456',
      channel: 'D123ABC456',
      tab: 'home',
      event_ts: ts(f),
    }),
  url_verification: (f) => ({ token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl', challenge: f.id(48), type: 'url_verification' }),
  block_actions: (f) => ({
    form: {
      payload: JSON.stringify({
        type: 'block_actions',
        team: { id: TEAM, domain: 'example' },
        user: { id: 'U123ABC456', username: 'jenny', team_id: TEAM },
        api_app_id: APP,
        trigger_id: `${f.seconds}.${f.id(10)}`,
        channel: { id: 'C123ABC456', name: 'general' },
        actions: [
          {
            type: 'button',
            action_id: 'approve',
            block_id: 'decision',
            text: { type: 'plain_text', text: 'Approve' },
            value: 'approve',
            action_ts: ts(f),
          },
        ],
        response_url: `https://hooks.slack.com/actions/${TEAM}/${f.id(10)}/${f.id(24)}`,
      }),
    },
  }),
  slash_command: (f) => ({
    form: {
      token: 'gIkuvaNzQIHg97ATvDxqgjtO',
      team_id: TEAM,
      team_domain: 'example',
      channel_id: 'C2147483705',
      channel_name: 'test',
      user_id: 'U2147483697',
      user_name: 'Steve',
      command: '/weather',
      text: '94070',
      api_app_id: APP,
      response_url: `https://hooks.slack.com/commands/1234/${f.id(10)}`,
      trigger_id: `${f.seconds}.${f.id(10)}`,
    },
  }),
};

/** A new numeric id (Shopify's are 64-bit; these stay within JSON's safe integers). */
const shopifyId = (f: Fresh) => Number.parseInt(f.hex(6), 16);
const shopifyOrder = (f: Fresh, extra: Record<string, unknown> = {}) => ({
  id: shopifyId(f),
  admin_graphql_api_id: 'gid://shopify/Order/820982911946154508',
  email: 'jon@example.com',
  created_at: f.iso,
  updated_at: f.iso,
  currency: 'USD',
  financial_status: 'pending',
  fulfillment_status: null,
  name: '#9999',
  order_number: 1234,
  subtotal_price: '199.00',
  total_price: '209.00',
  total_tax: '0.00',
  customer: { id: 1153106273, email: 'john@example.com', first_name: 'John', last_name: 'Smith' },
  line_items: [
    {
      id: 866550311,
      product_id: 632910392,
      title: 'IPod Nano - 8GB',
      quantity: 1,
      price: '199.00',
      sku: 'IPOD2008PINK',
    },
  ],
  ...extra,
});

/** Shopify: the topic goes in X-Shopify-Topic (https://shopify.dev/docs/api/webhooks, the REST resources' payloads). */
export const SHOPIFY: EventSet = {
  'orders/create': (f) => shopifyOrder(f),
  'orders/paid': (f) => shopifyOrder(f, { financial_status: 'paid' }),
  'orders/cancelled': (f) => shopifyOrder(f, { cancelled_at: f.iso, cancel_reason: 'customer' }),
  'products/update': (f) => ({
    id: 788032119,
    title: 'Example T-Shirt',
    body_html: 'An example T-Shirt',
    vendor: 'Acme',
    product_type: 'Shirts',
    created_at: null,
    updated_at: f.iso,
    handle: 'example-t-shirt',
    status: 'active',
    variants: [{ id: 642667041, title: 'Small', price: '19.99', sku: 'example-shirt-s', inventory_quantity: 75 }],
  }),
  'customers/create': (f) => ({
    id: shopifyId(f),
    email: 'bob@biller.com',
    created_at: f.iso,
    updated_at: f.iso,
    first_name: 'Bob',
    last_name: 'Biller',
    state: 'disabled',
    currency: 'USD',
    tags: '',
  }),
  'app/uninstalled': (f) => ({
    id: 548380009,
    name: 'Super Toys',
    email: 'super@supertoys.com',
    domain: null,
    myshopify_domain: 'super-toys.myshopify.com',
    updated_at: f.iso,
  }),
};

const twilioSid = (prefix: string, f: Fresh) => `${prefix}${f.hex(16)}`;
const ACCOUNT = 'AC2c1f3e9d8a7b6c5d4e3f2a1b0c9d8e7f';

/** Twilio: form-encoded request parameters (https://www.twilio.com/docs/messaging/guides/webhook-request, …/voice/twiml#request-parameters). */
export const TWILIO: EventSet = {
  'incoming-message': (f) => ({
    form: {
      MessageSid: twilioSid('SM', f),
      SmsSid: twilioSid('SM', f),
      AccountSid: ACCOUNT,
      MessagingServiceSid: twilioSid('MG', f),
      From: '+15005550006',
      To: '+15005550001',
      Body: 'Hello from webhook-gateway send',
      NumMedia: '0',
      NumSegments: '1',
      ApiVersion: '2010-04-01',
    },
  }),
  'message-status': (f) => ({
    form: {
      MessageSid: twilioSid('SM', f),
      MessageStatus: 'delivered',
      AccountSid: ACCOUNT,
      From: '+15005550001',
      To: '+15005550006',
      ApiVersion: '2010-04-01',
    },
  }),
  'incoming-call': (f) => ({
    form: {
      CallSid: twilioSid('CA', f),
      AccountSid: ACCOUNT,
      From: '+15005550006',
      To: '+15005550001',
      CallStatus: 'ringing',
      Direction: 'inbound',
      ApiVersion: '2010-04-01',
    },
  }),
};

const sendgrid =
  (event: string, extra: Record<string, unknown> = {}) =>
  (f: Fresh) => [
    {
      email: 'example@test.com',
      timestamp: f.seconds,
      'smtp-id': `<${f.hex(8)}@ismtpd-555>`,
      event,
      category: ['cat facts'],
      sg_event_id: f.id(22),
      sg_message_id: `${f.id(22)}.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0`,
      ...extra,
    },
  ];

/** SendGrid Event Webhook: a JSON array of events (https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event). */
export const SENDGRID: EventSet = {
  delivered: sendgrid('delivered', { response: '250 OK' }),
  processed: sendgrid('processed'),
  open: sendgrid('open', { useragent: 'Mozilla/4.0 (compatible; MSIE 6.1; Windows XP)', ip: '255.255.255.255' }),
  click: sendgrid('click', { url: 'https://www.sendgrid.com/', useragent: 'Mozilla/5.0', ip: '255.255.255.255' }),
  bounce: sendgrid('bounce', { reason: '500 unknown recipient', status: '5.0.0', type: 'bounce' }),
  dropped: sendgrid('dropped', { reason: 'Bounced Address', status: '5.0.0' }),
  spamreport: sendgrid('spamreport'),
  unsubscribe: sendgrid('unsubscribe'),
};

/** A Discord id: milliseconds since 2015 shifted left 22 bits, plus worker, process and increment bits. */
const snowflake = (f: Fresh) =>
  String((BigInt(f.now.getTime() - 1_420_070_400_000) << 22n) + BigInt(Number.parseInt(f.hex(2), 16) & 0x3fffff));
const discordUser = {
  id: '53908232506183680',
  username: 'mason',
  global_name: 'Mason',
  discriminator: '0',
  avatar: null,
};

/** Discord interactions (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object). */
export const DISCORD: EventSet = {
  application_command: (f) => ({
    id: snowflake(f),
    application_id: '775799577604522054',
    type: 2,
    data: { id: '866818195033292850', name: 'hello', type: 1 },
    guild_id: '772904309264089089',
    channel_id: '772908445358620702',
    member: { user: discordUser, roles: [], joined_at: '2017-03-13T19:19:14.040000+00:00', permissions: '2147483647' },
    token: f.id(64),
    version: 1,
    locale: 'en-US',
  }),
  message_component: (f) => ({
    id: snowflake(f),
    application_id: '775799577604522054',
    type: 3,
    data: { custom_id: 'approve', component_type: 2 },
    channel_id: '772908445358620702',
    user: discordUser,
    token: f.id(64),
    version: 1,
  }),
  ping: (f) => ({ id: snowflake(f), application_id: '775799577604522054', type: 1, token: f.id(64), version: 1 }),
};

const zoomMeeting = (f: Fresh, extra: Record<string, unknown> = {}) => ({
  id: 85746065432,
  uuid: `${f.id(22)}==`,
  host_id: 'uLoRgfbbTayCX6r2Q_qQsQ',
  topic: 'My Meeting',
  type: 2,
  start_time: f.iso,
  timezone: 'America/Los_Angeles',
  duration: 60,
  ...extra,
});
const zoom = (event: string, object: (f: Fresh) => Record<string, unknown>) => (f: Fresh) => ({
  event,
  event_ts: f.now.getTime(),
  payload: { account_id: 'AAAAAABBBB', object: object(f) },
});

/** Zoom (https://developers.zoom.us/docs/api/webhooks/, the Meetings events). */
export const ZOOM: EventSet = {
  'meeting.started': zoom('meeting.started', (f) => zoomMeeting(f)),
  'meeting.ended': zoom('meeting.ended', (f) => zoomMeeting(f, { end_time: f.iso })),
  'meeting.participant_joined': zoom('meeting.participant_joined', (f) =>
    zoomMeeting(f, {
      participant: { user_id: '16778240', user_name: 'Jill Chill', join_time: f.iso, email: 'jchill@example.com' },
    }),
  ),
  'recording.completed': zoom('recording.completed', (f) =>
    zoomMeeting(f, { total_size: 529758, recording_count: 1, share_url: 'https://example.com/rec/share/abc' }),
  ),
  'endpoint.url_validation': (f) => ({
    payload: { plainToken: f.id(22) },
    event_ts: f.now.getTime(),
    event: 'endpoint.url_validation',
  }),
};

const linear = (type: string, data: (f: Fresh) => Record<string, unknown>) => (f: Fresh) => ({
  action: 'create',
  actor: { id: f.uuid(), type: 'user', name: 'Jenny Rosen', email: 'jenny@example.com' },
  createdAt: f.iso,
  data: data(f),
  url: 'https://linear.app/example/issue/ENG-123/sample-issue',
  type,
  organizationId: 'cf7a6d6d-d2e8-4b1f-b7a7-5d5d7d1f3b7a',
  webhookTimestamp: f.now.getTime(),
  webhookId: f.uuid(),
});
const TEAM_ID = '72b2a2dc-6f4f-4423-9d34-24b5bd10634a';

/** Linear: the data change, the type also in Linear-Event (https://linear.app/developers/webhooks). */
export const LINEAR: EventSet = {
  Issue: linear('Issue', (f) => ({
    id: f.uuid(),
    createdAt: f.iso,
    updatedAt: f.iso,
    number: 123,
    identifier: 'ENG-123',
    title: 'Sample issue',
    priority: 2,
    teamId: TEAM_ID,
    stateId: 'c3b4e1a2-2b4e-4a5f-9c7d-1e2f3a4b5c6d',
    labelIds: [],
  })),
  Comment: linear('Comment', (f) => ({
    id: f.uuid(),
    createdAt: f.iso,
    updatedAt: f.iso,
    body: 'Looks good to me',
    issueId: f.uuid(),
    userId: f.uuid(),
  })),
  Project: linear('Project', (f) => ({
    id: f.uuid(),
    createdAt: f.iso,
    updatedAt: f.iso,
    name: 'Sample project',
    state: 'started',
    teamIds: [TEAM_ID],
  })),
};

const paddle = (event: string, data: (f: Fresh) => Record<string, unknown>) => (f: Fresh) => ({
  event_id: `evt_${f.id(26).toLowerCase()}`,
  event_type: event,
  occurred_at: f.iso,
  notification_id: `ntf_${f.id(26).toLowerCase()}`,
  data: data(f),
});
const transaction = (status: string) => (f: Fresh) => ({
  id: `txn_${f.id(26).toLowerCase()}`,
  status,
  customer_id: 'ctm_01hv6y1jedq4p1n0yqn5ba3ky4',
  currency_code: 'USD',
  origin: 'web',
  created_at: f.iso,
  updated_at: f.iso,
  billed_at: f.iso,
  items: [
    { price: { id: 'pri_01gsz8x8sawmvhz1pv30nge1ke', product_id: 'pro_01gsz4t5hdjse780zja8vvr7jg' }, quantity: 1 },
  ],
  details: { totals: { subtotal: '2000', tax: '0', total: '2000', currency_code: 'USD' } },
});
const subscription = (status: string) => (f: Fresh) => ({
  id: `sub_${f.id(26).toLowerCase()}`,
  status,
  customer_id: 'ctm_01hv6y1jedq4p1n0yqn5ba3ky4',
  currency_code: 'USD',
  created_at: f.iso,
  updated_at: f.iso,
  billing_cycle: { interval: 'month', frequency: 1 },
  items: [{ price: { id: 'pri_01gsz8x8sawmvhz1pv30nge1ke' }, quantity: 1, status: 'active' }],
});

/** Paddle Billing (https://developer.paddle.com/webhooks/overview, the event entity and its data). */
export const PADDLE: EventSet = {
  'transaction.completed': paddle('transaction.completed', transaction('completed')),
  'transaction.paid': paddle('transaction.paid', transaction('paid')),
  'subscription.created': paddle('subscription.created', subscription('active')),
  'subscription.canceled': paddle('subscription.canceled', subscription('canceled')),
  'customer.created': paddle('customer.created', (f) => ({
    id: `ctm_${f.id(26).toLowerCase()}`,
    email: 'jenny@example.com',
    name: 'Jenny Rosen',
    status: 'active',
    created_at: f.iso,
    updated_at: f.iso,
  })),
};

/** Microsoft Teams outgoing webhooks: a Bot Framework message activity (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-outgoing-webhook). */
export const MS_TEAMS: EventSet = {
  message: (f) => ({
    type: 'message',
    id: String(f.now.getTime()),
    timestamp: f.iso,
    localTimestamp: f.iso,
    serviceUrl: 'https://smba.trafficmanager.net/amer/',
    channelId: 'msteams',
    from: {
      id: '29:1XJKJMvc5GBtc2JwZq0oj8tHZmzrQgFmB39ATiQWA85gQtHieVkKilBZ9XHoq9j7Zaqt7CZ-NJWi7me2kHTL3Bw',
      name: 'Megan Bowen',
    },
    conversation: {
      isGroup: true,
      id: '19:253b1f341670408fb6fe51050b6e5ceb@thread.skype;messageid=1591477353275',
      name: null,
    },
    text: '<at>Sample</at> hello',
    textFormat: 'plain',
    entities: [{ type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web' }],
    channelData: { teamsChannelId: '19:253b1f341670408fb6fe51050b6e5ceb@thread.skype', tenant: { id: f.uuid() } },
  }),
};

const GITLAB_PROJECT = {
  id: 15,
  name: 'Diaspora',
  path_with_namespace: 'mike/diaspora',
  web_url: 'http://example.com/mike/diaspora',
  default_branch: 'master',
};
const GITLAB_USER = { id: 1, name: 'Administrator', username: 'root', email: 'admin@example.com' };

/** GitLab (https://docs.gitlab.com/user/project/integrations/webhook_events/): keyed by object_kind; X-Gitlab-Event carries the hook name. */
export const GITLAB: EventSet = {
  push: (f) => ({
    object_kind: 'push',
    event_name: 'push',
    before: f.hex(20),
    after: f.hex(20),
    ref: 'refs/heads/master',
    checkout_sha: f.hex(20),
    user_id: 4,
    user_name: 'John Smith',
    user_username: 'jsmith',
    project_id: 15,
    project: GITLAB_PROJECT,
    commits: [
      {
        id: f.hex(20),
        message: 'Update README.md',
        timestamp: f.iso,
        author: { name: 'Jordi Mallach', email: 'jordi@softcatala.org' },
      },
    ],
    total_commits_count: 1,
  }),
  tag_push: (f) => ({
    object_kind: 'tag_push',
    event_name: 'tag_push',
    before: '0000000000000000000000000000000000000000',
    after: f.hex(20),
    ref: 'refs/tags/v1.0.0',
    checkout_sha: f.hex(20),
    user_username: 'jsmith',
    project_id: 15,
    project: GITLAB_PROJECT,
  }),
  merge_request: (f) => ({
    object_kind: 'merge_request',
    event_type: 'merge_request',
    user: GITLAB_USER,
    project: GITLAB_PROJECT,
    object_attributes: {
      id: 99,
      iid: 1,
      title: 'MS-Viewport',
      state: 'opened',
      action: 'open',
      source_branch: 'ms-viewport',
      target_branch: 'master',
      created_at: f.iso,
      updated_at: f.iso,
      url: 'http://example.com/diaspora/merge_requests/1',
    },
  }),
  issue: (f) => ({
    object_kind: 'issue',
    event_type: 'issue',
    user: GITLAB_USER,
    project: GITLAB_PROJECT,
    object_attributes: {
      id: 301,
      iid: 23,
      title: 'New API: create/update/delete file',
      state: 'opened',
      action: 'open',
      created_at: f.iso,
      updated_at: f.iso,
    },
  }),
  note: (f) => ({
    object_kind: 'note',
    event_type: 'note',
    user: GITLAB_USER,
    project: GITLAB_PROJECT,
    object_attributes: {
      id: 1243,
      note: 'This is a commit comment.',
      noteable_type: 'Commit',
      created_at: f.iso,
      updated_at: f.iso,
    },
  }),
  pipeline: (f) => ({
    object_kind: 'pipeline',
    object_attributes: {
      id: 31,
      iid: 3,
      ref: 'master',
      tag: false,
      sha: f.hex(20),
      status: 'success',
      created_at: f.iso,
      finished_at: f.iso,
      duration: 63,
    },
    user: GITLAB_USER,
    project: GITLAB_PROJECT,
  }),
};

/** The X-Gitlab-Event value of each object_kind. */
export const GITLAB_HOOKS: Readonly<Record<string, string>> = {
  push: 'Push Hook',
  tag_push: 'Tag Push Hook',
  merge_request: 'Merge Request Hook',
  issue: 'Issue Hook',
  note: 'Note Hook',
  pipeline: 'Pipeline Hook',
};

/** Standard Webhooks / Svix: `{type, timestamp, data}` (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#payload-structure); the types are the sender's own. */
export const STANDARD_WEBHOOKS: EventSet = {
  'invoice.paid': (f) => ({
    type: 'invoice.paid',
    timestamp: f.iso,
    data: { id: `inv_${f.hex(8)}`, amount: 2000, currency: 'usd', customer: 'cus_local' },
  }),
  'user.created': (f) => ({
    type: 'user.created',
    timestamp: f.iso,
    data: { id: `user_${f.hex(8)}`, email: 'jenny@example.com', name: 'Jenny Rosen' },
  }),
};

const generic = (event: string) => (f: Fresh) => ({
  id: `evt_${f.hex(8)}`,
  event,
  type: `test.${event}`,
  customerId: 'cus_local',
  createdAt: f.iso,
  data: { message: 'Hello from webhook-gateway send' },
});

/** Generic schemes (HMAC, basic auth, API key, JWT, …): the sender defines the body; `event` names the type. */
export const GENERIC: EventSet = {
  created: generic('created'),
  updated: generic('updated'),
  deleted: generic('deleted'),
};
