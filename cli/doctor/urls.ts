import { setTimeout as sleep } from 'node:timers/promises';
import { CONFIG_RESOURCE_TYPE } from '../app-model';
import { httpPost, type HttpOutcome } from '../http';
import { fail, pass, skip, type CheckResult, type DoctorSubject, type WebhookUnderTest } from './report';

/** Requests in flight at once: enough for dozens of webhooks, few enough for a rate-limited sender. */
export const PROBE_CONCURRENCY = 4;

/** `items` mapped by `fn`, at most `limit` at a time, in the original order. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Each webhook's URL, POSTed without a signature: the verifier answers 401, which proves the
 * path, the authorizer, the usage plan, the ingest function and its config all answer. Webhooks
 * that verify nothing are not sent anything (the request would be accepted as a delivery).
 */
export async function checkUrls(
  subject: DoctorSubject,
  options: { readonly signal: AbortSignal; readonly timeoutMs: number },
): Promise<CheckResult[]> {
  return mapLimited(subject.webhooks, PROBE_CONCURRENCY, async (webhook) => {
    const check = `URL ${webhook.name}`;
    if (webhook.config?.verifier.type === 'none') {
      return skip(
        check,
        `verifies nothing (WebhookSource.none()): an unsigned POST would be a delivery, so none is sent`,
      );
    }
    const probe = () =>
      httpPost(
        webhook.url,
        { headers: { 'content-type': 'application/json' }, body: '{}' },
        { signal: options.signal, timeoutMs: options.timeoutMs },
      );
    let outcome = await probe();
    // A webhook whose burst is used up (by its senders, or by doctor run twice): ask once more, if soon.
    const retryAfter =
      outcome.kind === 'answered' && outcome.status === 429 ? retrySeconds(outcome.headers) : undefined;
    if (retryAfter !== undefined && retryAfter * 1000 <= options.timeoutMs) {
      await sleep(retryAfter * 1000, undefined, { signal: options.signal });
      outcome = await probe();
    }
    return judgeUnsigned(subject, webhook, outcome, retryAfter);
  });
}

function retrySeconds(headers: Headers): number | undefined {
  const seconds = Number(headers.get('retry-after') ?? Number.NaN);
  return Number.isFinite(seconds) ? Math.max(1, seconds) : undefined;
}

function judgeUnsigned(
  subject: DoctorSubject,
  webhook: WebhookUnderTest,
  outcome: HttpOutcome,
  retriedAfter: number | undefined,
): CheckResult {
  const check = `URL ${webhook.name}`;
  const { url } = webhook;
  const deployed = subject.mode === 'deployed';
  if (outcome.kind !== 'answered') return unanswered(check, url, outcome, deployed);
  const { status } = outcome;
  if (status === 401) return pass(check, `401 to an unsigned POST: ${url}`);
  if (status === 404) {
    return fail(
      check,
      `404 from ${url}: the gateway does not know webhook "${webhook.name}"${webhook.configProblem ? ` (${webhook.configProblem})` : ''}`,
      deployed
        ? `its config was not written to the config table: run cdk deploy again and check the stack's events for the ${CONFIG_RESOURCE_TYPE} resource; API Gateway keeps the authorizer's answer for a path up to 5 minutes, so a webhook added just now may need that long`
        : `the local gateway does not serve "${webhook.name}": restart it with the app that defines it (npm start, or webhook-gateway local --app …)`,
    );
  }
  const why = outcome.headers.get('x-amzn-errortype') ?? messageOf(outcome.text);
  if (status === 403) {
    return fail(
      check,
      `403${why ? ` (${why})` : ''} from ${url}: refused before the gateway's verifier ran`,
      `an AWS WAF web ACL or the API's resource policy blocks the request, or the URL is not this stack's API (a custom domain, proxy or wrong stage in front): check them, and that the URL is the ApiUrl output followed by webhooks/${webhook.name}`,
    );
  }
  if (status === 429) {
    const retry = retrySeconds(outcome.headers);
    return fail(
      check,
      `429 from ${url}${retriedAfter !== undefined ? `, again after ${retriedAfter} s` : ''}: rate limited before the verifier ran`,
      `the webhook's usage-plan rate, burst or quota is used up: run doctor again${retry !== undefined ? ` after ${retry} s` : ' later'}, or raise its rateLimit`,
    );
  }
  if (status >= 500) {
    return fail(
      check,
      `${status}${why ? ` (${why})` : ''} from ${url}: the gateway failed`,
      deployed
        ? `a dependency of the authorizer or the ingest function failed (DynamoDB, Secrets Manager, KMS) or the function itself did: read the ingest and authorizer functions' logs in CloudWatch Logs ("dependency failed"); right after a deploy the webhook's usage-plan key may not be attached yet — run doctor again in a minute`
        : `read the local gateway's output (its terminal) for the error, and restart it`,
    );
  }
  if (status >= 200 && status < 300) {
    return fail(
      check,
      `${status} from ${url}: a request without a signature was accepted`,
      `webhook "${webhook.name}" verifies nothing this request lacks: give it a WebhookSource that verifies the sender (a preset, hmac, apiKey, …)`,
    );
  }
  return fail(
    check,
    `${status}${why ? ` (${why})` : ''} from ${url}, where the verifier answers 401`,
    `something between here and the gateway changes the request (a proxy, a custom domain): POST to the ApiUrl output followed by webhooks/${webhook.name} to compare`,
  );
}

/** A timeout or no connection, for the URL check and the test delivery alike. */
export function unanswered(
  check: string,
  url: string,
  outcome: Exclude<HttpOutcome, { kind: 'answered' }>,
  deployed: boolean,
): CheckResult {
  if (outcome.kind === 'timeout') {
    return fail(
      check,
      `no answer from ${url} within ${outcome.ms / 1000} s`,
      deployed
        ? `check that the API is reachable from here (proxy, firewall, VPN), and the ingest and authorizer functions' durations and errors in CloudWatch`
        : `the local gateway is stuck: read its output (its terminal), and restart it`,
    );
  }
  return fail(
    check,
    `could not connect to ${url} (${outcome.cause})`,
    deployed
      ? `check the ApiUrl output, and that its host resolves and is reachable from here (proxy, firewall, VPN)`
      : `the local gateway stopped answering: start it again (npm start)`,
  );
}

/** `{"message": "…"}`, the body of the gateway's (and API Gateway's) own answers. */
function messageOf(text: string): string | undefined {
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}
