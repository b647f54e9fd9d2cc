import { AsyncLocalStorage } from 'node:async_hooks';
import type { LogFields, Telemetry } from '../../lambdas/adapters/ports';

/**
 * What the ingest handler said about one request, collected from its own log calls: the local
 * gateway runs each request in an AsyncLocalStorage context, so concurrent requests never mix.
 */
export interface RequestTrace {
  /** The URL the sender addressed (`http://127.0.0.1:8787/webhooks/x`): what it signed. */
  readonly url: string;
  rejection?: LogFields;
  delivery?: LogFields;
  failure?: LogFields;
  handshake?: boolean;
}

export const requestTraces = new AsyncLocalStorage<RequestTrace>();

const noMetrics = { count() {}, flush() {} };

/** The ingest's telemetry: outcomes go to the request's trace, problems to `warn` (stderr). */
export function ingestTelemetry(warn: (text: string) => void, verbose: boolean): Telemetry {
  const other = (level: string, message: string, fields?: LogFields) =>
    warn(`ingest ${level}: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`);
  return {
    metrics: noMetrics,
    log: {
      info(message, fields) {
        const trace = requestTraces.getStore();
        if (trace && message === 'delivery') trace.delivery = fields ?? {};
        else if (trace && message === 'handshake answered') trace.handshake = true;
        else if (verbose) other('info', message, fields);
      },
      warn(message, fields) {
        const trace = requestTraces.getStore();
        if (trace && message === 'rejected') trace.rejection = fields ?? {};
        else other('warning', message, fields);
      },
      error(message, fields) {
        const trace = requestTraces.getStore();
        if (trace && message === 'dependency failed') trace.failure = fields ?? {};
        other('error', message, fields);
      },
    },
  };
}

/** The dispatcher's telemetry: the last error per message id (for the final line), problems to `warn`. */
export function dispatcherTelemetry(warn: (text: string) => void, verbose: boolean) {
  const errors = new Map<string, string>();
  const telemetry: Telemetry = {
    metrics: noMetrics,
    log: {
      info(message, fields) {
        if (verbose) warn(`dispatcher: ${message} ${JSON.stringify(fields ?? {})}`);
      },
      warn(message, fields) {
        warn(`dispatcher warning: ${message} ${JSON.stringify(fields ?? {})}`);
      },
      error(message, fields) {
        if (message === 'message failed' && typeof fields?.messageId === 'string') {
          errors.set(fields.messageId, String(fields.error ?? 'unknown error'));
        }
        warn(`dispatcher error: ${message} ${JSON.stringify(fields ?? {})}`);
      },
    },
  };
  return { telemetry, lastError: (messageId: string) => errors.get(messageId) };
}
