import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDbHistoryStore } from '../../lambdas/adapters/dynamodb-history';
import type { DeliveryRecord } from '../../lambdas/core/config/messages';
import { sha256Hex } from '../../lambdas/core/verify/crypto';
import { queryHistory } from '../commands/history';
import { shellArg } from '../args';
import {
  answerHint,
  CannotSignError,
  signedDelivery,
  type RequestOptions,
  type SignedDelivery,
} from '../signed-delivery';
import { describeFailure, UsageError } from '../errors';
import { httpPost } from '../http';
import { secretNeeds } from '../secrets/needs';
import { fail, pass, skip, type CheckResult, type DoctorSubject } from './report';
import { unanswered } from './urls';

export interface TestDeliveryOptions {
  /** What to send: `doctor --event`, `--file`. */
  readonly request: RequestOptions;
  readonly signal: AbortSignal;
  /** How long to wait for the execution. */
  readonly waitMs: number;
  /** How long one HTTP request may take. */
  readonly requestMs: number;
  /** The fix of the webhook's failed secret check, if any: what to do when there is nothing to sign with. */
  readonly secretFix?: string;
  /** Progress notes (stderr). */
  note(text: string): void;
}

const POLL_MS = 500;
/** How far back to look for the record of a delivery answered with a custom successResponse (clock skew). */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * `doctor --send`: a signed sample delivery, as `send` makes it, must be answered 2xx `accepted`,
 * and its history record must turn `enqueued` with an execution ARN per route (the dispatcher
 * started the workflows). Fails naming the step that did not happen.
 */
export async function checkTestDelivery(
  subject: DoctorSubject,
  name: string,
  options: TestDeliveryOptions,
): Promise<CheckResult> {
  const check = `test delivery ${name}`;
  const webhook = subject.webhooks.find((w) => w.name === name);
  if (!webhook) {
    const known = subject.webhooks.map((w) => w.name);
    return fail(
      check,
      `unknown webhook "${name}": ${subject.label} has ${known.length > 0 ? known.join(', ') : 'no webhooks'}`,
      `pass one of them to --send`,
    );
  }
  const { config } = webhook;
  if (!config)
    return fail(check, `not sent: ${webhook.configProblem ?? 'its config is unknown'}`, 'run cdk deploy again');
  const needs = secretNeeds(config);
  if (subject.mode === 'deployed' && needs.some((n) => n.origin === 'public-key')) {
    return skip(
      check,
      `not sent: ${config.verifier.type} signs with its own private key, so only the provider can sign a delivery — send a test event from its settings, then look for it with webhook-gateway history ${name}${subject.args}`,
    );
  }
  for (const need of needs) {
    const access = await subject.secret(config, need);
    if ('unreadable' in access) return fail(check, `cannot sign: ${access.unreadable}`, access.fix);
  }

  let delivery: SignedDelivery;
  try {
    delivery = await signedDelivery(
      config,
      { url: webhook.url, ...options.request },
      await subject.material(config),
      subject.mode === 'deployed',
    );
  } catch (error) {
    if (error instanceof UsageError || options.signal.aborted) throw error;
    if (error instanceof CannotSignError) {
      const hint = error.hint.replace(/^[:( ]+|\)$/g, '') || `give webhook "${name}" its secret`;
      return fail(check, `cannot sign: ${error.reason}`, options.secretFix ?? hint);
    }
    return fail(
      check,
      `cannot sign: ${describeFailure(error)}`,
      subject.mode === 'deployed'
        ? "allow secretsmanager:GetSecretValue on the webhook's secret, and kms:Decrypt on the gateway's key, to the credentials you run doctor with"
        : `fix the local secrets (webhook-gateway secret get ${name}${subject.args} reads them as send does)`,
    );
  }
  const sentAt = Date.now();
  const answer = await httpPost(delivery.url, delivery, { signal: options.signal, timeoutMs: options.requestMs });
  if (answer.kind !== 'answered') return unanswered(check, delivery.url, answer, subject.mode === 'deployed');
  if (answer.status < 200 || answer.status >= 300) {
    return fail(
      check,
      `not accepted: ${answer.status} ${answer.text.trim().slice(0, 200)}`,
      answerHint(answer.status, name),
    );
  }
  const body = parseAnswer(answer.text);
  const { eventType, file } = options.request;
  const sent = `${eventType !== undefined ? ` --event ${shellArg(eventType)}` : ''}${file !== undefined ? ` --file ${shellArg(file)}` : ''}`;
  if (body?.status !== undefined && body.status !== 'accepted') {
    return notRouted(subject, check, name, sent, { status: body.status, id: body.id });
  }

  const history = new DynamoDbHistoryStore(subject.target.dynamodb, subject.target.gatewayFor(name).historyTable);
  const sha = sha256Hex(delivery.body);
  const find = async (): Promise<DeliveryRecord | undefined> =>
    body?.id !== undefined
      ? history.getDelivery(name, body.id)
      : (await queryHistory(subject.target, name, { limit: 50, since: new Date(sentAt - CLOCK_SKEW_MS) })).find(
          (r) => r.bodySha256 === sha,
        );
  const label = body?.id ?? `(${answer.status}, the webhook's successResponse)`;
  options.note(`${check}: accepted as ${label}; waiting up to ${options.waitMs / 1000} s for its execution…`);

  const deadline = sentAt + options.waitMs;
  let record: DeliveryRecord | undefined;
  for (;;) {
    try {
      record = await find();
    } catch (error) {
      if (options.signal.aborted) throw error;
      return fail(
        check,
        `accepted as ${label}, but its history record could not be read: ${describeFailure(error)}`,
        `allow dynamodb:Query and dynamodb:GetItem on the history table and its indexes to the credentials you run doctor with, then look for it with webhook-gateway history ${name}${subject.args}`,
      );
    }
    const executions = record?.executions ?? [];
    if (record?.status === 'enqueued' && executions.length >= Math.max(1, record.routes?.length ?? 0)) {
      return pass(
        check,
        `${answer.status} accepted as ${record.deliveryId ?? label}; started ${executions.join(', ')}`,
      );
    }
    if (record && ['filtered', 'unrouted', 'transform_failed', 'duplicate'].includes(record.status)) {
      return notRouted(subject, check, name, sent, { status: record.status, id: record.deliveryId });
    }
    if (record?.status === 'failed') {
      return fail(
        check,
        `accepted as ${record.deliveryId ?? label}, then failed: ${record.reason ?? 'no reason recorded'}`,
        dispatcherFix(subject),
      );
    }
    if (Date.now() + POLL_MS > deadline) break;
    await sleep(POLL_MS, undefined, { signal: options.signal });
  }
  const started = record?.executions?.length ?? 0;
  const routes = record?.routes?.length ?? 0;
  return fail(
    check,
    `accepted as ${record?.deliveryId ?? label}, but ${started > 0 ? `${started} of ${routes} executions` : 'no execution'} started within ${options.waitMs / 1000} s (history: ${record?.status ?? 'no record'})`,
    dispatcherFix(subject),
  );
}

function parseAnswer(text: string): { id?: string; status?: string } | undefined {
  try {
    const parsed = JSON.parse(text) as { id?: unknown; status?: unknown };
    return {
      ...(typeof parsed.id === 'string' && { id: parsed.id }),
      ...(typeof parsed.status === 'string' && { status: parsed.status }),
    };
  } catch {
    return undefined;
  }
}

/** A 2xx that starts nothing: the sample did not reach a route. `sent` repeats doctor's --event / --file. */
function notRouted(
  subject: DoctorSubject,
  check: string,
  name: string,
  sent: string,
  answered: { status: string; id?: string | undefined },
): CheckResult {
  const as = `answered ${answered.status}${answered.id !== undefined ? ` (${answered.id})` : ''}`;
  const dryRun = `webhook-gateway test ${name}${sent}${subject.args}`;
  const other = 'pass doctor an event that a route takes (--event TYPE or --file FILE)';
  switch (answered.status) {
    case 'filtered':
      return fail(
        check,
        `${as}: the webhook's filter dropped the event`,
        `${dryRun} shows the filter's result; ${other}`,
      );
    case 'unrouted':
      return fail(
        check,
        `${as}: no route takes the event's key`,
        `${dryRun} shows the event key and the routes; ${other}`,
      );
    case 'transform_failed':
      return fail(
        check,
        `${as}: a CEL expression failed on the event`,
        `${dryRun} shows which and why; fix it, or ${other}`,
      );
    default:
      return fail(check, `${as}: the gateway has seen this event before`, 'send a body with a new id (--file FILE)');
  }
}

function dispatcherFix(subject: DoctorSubject): string {
  return subject.mode === 'deployed'
    ? `the dispatcher could not start the workflow: read the dispatcher function's log in CloudWatch Logs and look at the dead-letter queue (the DeadLetterQueueUrl output); once fixed, move its messages back with webhook-gateway redrive${subject.args}`
    : `read the local gateway's output (its terminal) for the dispatcher's error; once fixed, move the dead-letter queue back with webhook-gateway redrive${subject.args}`;
}
