import type Stripe from 'stripe';
import type { Fresh } from './fresh';

/**
 * Stripe events as Stripe sends them: the Event envelope (https://docs.stripe.com/api/events/object)
 * around the API object of the event's type. The stripe package ships no event fixtures, so these
 * are written by hand, and the compiler holds each one to the package's own type for that event
 * (`Extract<Stripe.Event, { type }>`: the right `data.object` type with every field it requires).
 * `import type` only: the CLI does not need the stripe package at run time.
 */
type Builders = { readonly [T in StripeSampleType]: (f: Fresh) => Extract<Stripe.Event, { type: T }> };

export type StripeSampleType =
  | 'payment_intent.succeeded'
  | 'payment_intent.created'
  | 'payment_intent.payment_failed'
  | 'payment_intent.canceled'
  | 'charge.succeeded'
  | 'charge.failed'
  | 'charge.refunded'
  | 'checkout.session.completed'
  | 'checkout.session.expired'
  | 'customer.created'
  | 'customer.updated'
  | 'invoice.paid'
  | 'invoice.payment_failed';

/** The API version the samples are shaped for: the stripe devDependency's. */
export const STRIPE_API_VERSION = '2026-10-28.endive';
const CUSTOMER = 'cus_NffrFeUfNV2Hib';

export function stripeEnvelope(f: Fresh) {
  return {
    id: `evt_${f.id(24)}`,
    object: 'event' as const,
    api_version: STRIPE_API_VERSION,
    created: f.seconds,
    livemode: false,
    pending_webhooks: 1,
    request: { id: `req_${f.id(14)}`, idempotency_key: f.uuid() },
  };
}

export type IntentStatus = 'succeeded' | 'requires_payment_method' | 'canceled';

export function paymentIntent(f: Fresh, status: IntentStatus, failed = false): Stripe.PaymentIntent {
  const id = `pi_${f.id(24)}`;
  const succeeded = status === 'succeeded';
  return {
    id,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount: 2000,
    amount_capturable: 0,
    amount_received: succeeded ? 2000 : 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: { enabled: true },
    canceled_at: status === 'canceled' ? f.seconds : null,
    cancellation_reason: status === 'canceled' ? 'requested_by_customer' : null,
    capture_method: 'automatic',
    client_secret: `${id}_secret_${f.id(25)}`,
    confirmation_method: 'automatic',
    created: f.seconds - 5,
    currency: 'usd',
    customer: CUSTOMER,
    customer_account: null,
    description: null,
    excluded_payment_method_types: null,
    last_payment_error: failed
      ? {
          charge: `ch_${f.id(24)}`,
          code: 'card_declined',
          decline_code: 'insufficient_funds',
          doc_url: 'https://docs.stripe.com/error-codes/card-declined',
          message: 'Your card has insufficient funds.',
          type: 'card_error',
        }
      : null,
    latest_charge: succeeded || failed ? `ch_${f.id(24)}` : null,
    livemode: false,
    managed_payments: null,
    metadata: { order_id: '6735' },
    next_action: null,
    on_behalf_of: null,
    payment_method: succeeded ? `pm_${f.id(24)}` : null,
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: ['card'],
    payment_record: null,
    processing: null,
    receipt_email: 'jenny.rosen@example.com',
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status,
    transfer_group: null,
  };
}

function charge(f: Fresh, outcome: 'succeeded' | 'failed' | 'refunded'): Stripe.Charge {
  const failed = outcome === 'failed';
  const id = `ch_${f.id(24)}`;
  return {
    id,
    object: 'charge',
    amount: 2000,
    amount_captured: failed ? 0 : 2000,
    amount_refunded: outcome === 'refunded' ? 2000 : 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: failed ? null : `txn_${f.id(24)}`,
    billing_details: {
      address: { city: null, country: 'US', line1: null, line2: null, postal_code: '94103', state: null },
      email: 'jenny.rosen@example.com',
      name: 'Jenny Rosen',
      phone: null,
      tax_id: null,
    },
    calculated_statement_descriptor: 'EXAMPLE SHOP',
    captured: !failed,
    created: f.seconds,
    currency: 'usd',
    customer: CUSTOMER,
    description: null,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: failed ? 'card_declined' : null,
    failure_message: failed ? 'Your card has insufficient funds.' : null,
    fraud_details: {},
    livemode: false,
    metadata: { order_id: '6735' },
    on_behalf_of: null,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: failed ? '51' : null,
      network_status: failed ? 'declined_by_network' : 'approved_by_network',
      reason: failed ? 'insufficient_funds' : null,
      risk_level: 'normal',
      risk_score: 32,
      seller_message: failed ? 'The bank returned the decline code `insufficient_funds`.' : 'Payment complete.',
      type: failed ? 'issuer_declined' : 'authorized',
    },
    paid: !failed,
    payment_intent: `pi_${f.id(24)}`,
    payment_method: `pm_${f.id(24)}`,
    payment_method_details: null,
    receipt_email: 'jenny.rosen@example.com',
    receipt_number: null,
    receipt_url: failed ? null : `https://pay.stripe.com/receipts/payment/${f.id(40)}`,
    refunded: outcome === 'refunded',
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: failed ? 'failed' : 'succeeded',
    transfer_data: null,
    transfer_group: null,
  };
}

function checkoutSession(f: Fresh, completed: boolean): Stripe.Checkout.Session {
  return {
    id: `cs_test_${f.id(58)}`,
    object: 'checkout.session',
    adaptive_pricing: { enabled: true },
    after_expiration: null,
    allow_promotion_codes: null,
    allowed_payment_method_types: null,
    amount_subtotal: 2000,
    amount_total: 2000,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: null,
    client_reference_id: null,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: f.seconds - (completed ? 60 : 86_400),
    currency: 'usd',
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: completed ? CUSTOMER : null,
    customer_account: null,
    customer_creation: 'if_required',
    customer_details: completed
      ? {
          address: { city: null, country: 'US', line1: null, line2: null, postal_code: '94103', state: null },
          business_name: null,
          email: 'jenny.rosen@example.com',
          individual_name: null,
          name: 'Jenny Rosen',
          phone: null,
          tax_exempt: 'none',
          tax_ids: [],
        }
      : null,
    customer_email: null,
    discounts: [],
    expires_at: completed ? f.seconds + 86_340 : f.seconds,
    integration_identifier: null,
    invoice: null,
    invoice_creation: null,
    livemode: false,
    locale: null,
    managed_payments: null,
    metadata: {},
    mode: 'payment',
    origin_context: null,
    payment_intent: completed ? `pi_${f.id(24)}` : null,
    payment_link: null,
    payment_method_collection: 'if_required',
    payment_method_configuration_details: null,
    payment_method_options: { card: { request_three_d_secure: 'automatic' } },
    payment_method_types: ['card'],
    payment_status: completed ? 'paid' : 'unpaid',
    permissions: null,
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: completed ? 'complete' : 'expired',
    submit_type: null,
    subscription: null,
    success_url: 'https://example.com/success',
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: 'hosted',
    url: null,
    wallet_options: null,
  };
}

function customer(f: Fresh): Stripe.Customer {
  return {
    id: CUSTOMER,
    object: 'customer',
    address: null,
    balance: 0,
    created: f.seconds,
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    email: 'jenny.rosen@example.com',
    invoice_prefix: 'B2D9E7F1',
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: {},
    name: 'Jenny Rosen',
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
}

function invoice(f: Fresh, paid: boolean): Stripe.Invoice {
  const id = `in_${f.id(24)}`;
  const start = f.seconds - 30 * 86_400;
  return {
    id,
    object: 'invoice',
    account_country: 'US',
    account_name: 'Example Shop',
    account_tax_ids: null,
    amount_due: 2000,
    amount_overpaid: 0,
    amount_paid: paid ? 2000 : 0,
    amount_remaining: paid ? 0 : 2000,
    amount_shipping: 0,
    application: null,
    attempt_count: 1,
    attempted: true,
    auto_advance: !paid,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: 'subscription_cycle',
    collection_method: 'charge_automatically',
    created: f.seconds - 3600,
    currency: 'usd',
    custom_fields: null,
    customer: CUSTOMER,
    customer_account: null,
    customer_address: null,
    customer_email: 'jenny.rosen@example.com',
    customer_name: 'Jenny Rosen',
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: f.seconds - 3600,
    ending_balance: 0,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: `https://invoice.stripe.com/i/acct_1M2JTkLkdIwHu7ix/test_${f.id(40)}`,
    invoice_pdf: `https://pay.stripe.com/invoice/acct_1M2JTkLkdIwHu7ix/test_${f.id(40)}/pdf`,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: [], has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: paid ? null : f.seconds + 3 * 86_400,
    number: 'B2D9E7F1-0007',
    on_behalf_of: null,
    parent: null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: f.seconds,
    period_start: start,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: paid ? 'paid' : 'open',
    status_transitions: {
      finalized_at: f.seconds - 3600,
      marked_uncollectible_at: null,
      paid_at: paid ? f.seconds : null,
      voided_at: null,
    },
    subtotal: 2000,
    subtotal_excluding_tax: 2000,
    test_clock: null,
    total: 2000,
    total_discount_amounts: [],
    total_excluding_tax: 2000,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: null,
  };
}

const BUILDERS: Builders = {
  'payment_intent.succeeded': (f) => ({
    ...stripeEnvelope(f),
    type: 'payment_intent.succeeded',
    data: { object: paymentIntent(f, 'succeeded') },
  }),
  'payment_intent.created': (f) => ({
    ...stripeEnvelope(f),
    type: 'payment_intent.created',
    data: { object: paymentIntent(f, 'requires_payment_method') },
  }),
  'payment_intent.payment_failed': (f) => ({
    ...stripeEnvelope(f),
    type: 'payment_intent.payment_failed',
    data: { object: paymentIntent(f, 'requires_payment_method', true) },
  }),
  'payment_intent.canceled': (f) => ({
    ...stripeEnvelope(f),
    type: 'payment_intent.canceled',
    data: { object: paymentIntent(f, 'canceled') },
  }),
  'charge.succeeded': (f) => ({
    ...stripeEnvelope(f),
    type: 'charge.succeeded',
    data: { object: charge(f, 'succeeded') },
  }),
  'charge.failed': (f) => ({ ...stripeEnvelope(f), type: 'charge.failed', data: { object: charge(f, 'failed') } }),
  'charge.refunded': (f) => ({
    ...stripeEnvelope(f),
    type: 'charge.refunded',
    data: { object: charge(f, 'refunded'), previous_attributes: { amount_refunded: 0, refunded: false } },
  }),
  'checkout.session.completed': (f) => ({
    ...stripeEnvelope(f),
    type: 'checkout.session.completed',
    data: { object: checkoutSession(f, true) },
  }),
  'checkout.session.expired': (f) => ({
    ...stripeEnvelope(f),
    type: 'checkout.session.expired',
    data: { object: checkoutSession(f, false) },
  }),
  'customer.created': (f) => ({ ...stripeEnvelope(f), type: 'customer.created', data: { object: customer(f) } }),
  'customer.updated': (f) => ({
    ...stripeEnvelope(f),
    type: 'customer.updated',
    data: { object: customer(f), previous_attributes: { email: 'jenny@example.com' } },
  }),
  'invoice.paid': (f) => ({ ...stripeEnvelope(f), type: 'invoice.paid', data: { object: invoice(f, true) } }),
  'invoice.payment_failed': (f) => ({
    ...stripeEnvelope(f),
    type: 'invoice.payment_failed',
    data: { object: invoice(f, false) },
  }),
};

export const STRIPE_EVENTS = Object.keys(BUILDERS) as StripeSampleType[];

export function stripeEvent(type: StripeSampleType, f: Fresh): Stripe.Event {
  return BUILDERS[type](f);
}
