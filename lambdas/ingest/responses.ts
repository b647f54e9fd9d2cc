import type { APIGatewayProxyResult } from 'aws-lambda';
import type { AcceptStatus } from '../core/config/messages';
import type { SuccessResponse } from '../core/config/webhook';
import type { HandshakeResponse } from '../core/verify';

export type RejectionStatus = 400 | 401 | 404 | 405 | 413 | 415 | 429 | 503;

/**
 * One generic body per status, the same as API Gateway's own responses: the sender never learns
 * which check failed (the log does).
 */
const MESSAGES: Readonly<Record<RejectionStatus, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

const JSON_TYPE = { 'content-type': 'application/json' } as const;

export function rejection(status: RejectionStatus, retryAfterSeconds?: number): APIGatewayProxyResult {
  return {
    statusCode: status,
    headers: {
      ...JSON_TYPE,
      ...(status === 405 && { allow: 'POST' }),
      ...(retryAfterSeconds !== undefined && { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) }),
    },
    body: JSON.stringify({ message: MESSAGES[status] }),
  };
}

/** 202 `{"id", "status"}`, or the webhook's own success response (e.g. Twilio's empty TwiML). */
export function accepted(id: string, status: AcceptStatus, custom?: SuccessResponse): APIGatewayProxyResult {
  if (custom)
    return { statusCode: custom.statusCode, headers: { 'content-type': custom.contentType }, body: custom.body };
  // The status is one of a few fixed words: only the id needs encoding.
  const body = `{"id":${JSON.stringify(id)},"status":"${status}"}`;
  return { statusCode: 202, headers: { 'content-type': JSON_TYPE['content-type'] }, body };
}

export function handshakeAnswer(answer: HandshakeResponse): APIGatewayProxyResult {
  return { statusCode: answer.statusCode, headers: { 'content-type': answer.contentType }, body: answer.body };
}
