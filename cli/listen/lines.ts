import type { DeliveryOutcome } from '../../lambdas/ingest/pipeline';
import { coloursFor, humanLine, type DeliveryLine } from '../output';
import type { DeployedItem } from './deployed-history';

/** What listen did with one deployed history item. */
export interface ListenLine {
  readonly item: DeployedItem;
  readonly forwarded: boolean;
  /** The local pipeline's answer, when forwarded. */
  readonly outcome?: DeliveryOutcome;
  /** Why it was not forwarded. */
  readonly note?: string;
}

/**
 * One line per deployed item. JSON (`--json`, documented in docs/cli.md#listen): `time` (received
 * on AWS), `webhook`, `deliveryId` (null for a rejection), `aws` {status, reason?, eventKey?, scope?, httpStatus?} (as recorded there),
 * `forwarded`, `local` {deliveryId, status, reason?, eventKey?, scope?, routes} when forwarded,
 * `note` when not. Human: the local outcome as `local` prints it, then what AWS recorded.
 */
export function listenLine(line: ListenLine, json: boolean, stream: { isTTY?: boolean }): string {
  const { record } = line.item;
  const local = line.outcome && {
    deliveryId: line.outcome.deliveryId,
    status: line.outcome.status,
    ...pick(line.outcome.record),
    routes: line.outcome.record.routes ?? [],
  };
  if (json) {
    return JSON.stringify({
      time: record.receivedAt,
      webhook: record.webhook,
      deliveryId: line.item.verified ? (record.deliveryId ?? null) : null,
      aws: {
        status: record.status,
        ...pick(record),
        ...(record.httpStatus !== undefined && { httpStatus: record.httpStatus }),
      },
      forwarded: line.forwarded,
      ...(local && { local }),
      ...(line.note !== undefined && { note: line.note }),
    });
  }
  const paint = coloursFor(stream);
  const shown: DeliveryLine = local
    ? { time: record.receivedAt, webhook: record.webhook, ...local, executions: [] }
    : {
        time: record.receivedAt,
        webhook: record.webhook,
        deliveryId: line.item.verified ? (record.deliveryId ?? null) : null,
        status: record.status,
        ...pick(record),
        routes: [],
        executions: [],
      };
  const details = !local && record.httpStatus !== undefined ? { httpStatus: record.httpStatus } : {};
  const suffix = local ? `(AWS: ${record.status})` : (line.note ?? '');
  return `${humanLine(shown, details, paint)}  ${paint('gray', suffix)}`;
}

function pick(record: { reason?: string; eventKey?: string; scope?: string }) {
  return {
    ...(record.reason !== undefined && { reason: record.reason }),
    ...(record.eventKey !== undefined && { eventKey: record.eventKey }),
    ...(record.scope !== undefined && { scope: record.scope }),
  };
}
