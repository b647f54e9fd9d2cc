/** Terminal output: colours only on a TTY (NO_COLOR and FORCE_COLOR honoured), tables, delivery lines. */

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1 } as const;
export type Colour = keyof typeof CODES;

export function coloursFor(stream: { isTTY?: boolean }): (colour: Colour, text: string) => string {
  const env = process.env;
  const on =
    env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' ? true : env.NO_COLOR === undefined && !!stream.isTTY;
  return (colour, text) => (on ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text);
}

/** One delivery as `webhook-gateway local --json` prints it: a contract, documented in docs/cli.md#what-it-prints. */
export interface DeliveryLine {
  readonly time: string;
  readonly webhook: string;
  /** null when the request was refused before its delivery id was known. */
  readonly deliveryId: string | null;
  /** A 202 status, or `rejected` (4xx), `failed` (503 or a dispatch that gave up), `handshake`. */
  readonly status: string;
  readonly reason?: string;
  readonly eventKey?: string;
  readonly scope?: string;
  /** Route ids, as in the history table. */
  readonly routes: readonly string[];
  /** Execution ARNs. */
  readonly executions: readonly string[];
}

/** What the human line shows beyond the contract's fields. */
export interface DeliveryDetails {
  readonly httpStatus?: number;
  /** Why a request was rejected, in detail (the sender only sees a generic body). */
  readonly detail?: string;
}

/** The contract's fields only, in the contract's order. */
export function jsonLine(line: DeliveryLine): string {
  const { time, webhook, deliveryId, status, reason, eventKey, scope, routes, executions } = line;
  return JSON.stringify({
    time,
    webhook,
    deliveryId,
    status,
    ...(reason !== undefined && { reason }),
    ...(eventKey !== undefined && { eventKey }),
    ...(scope !== undefined && { scope }),
    routes,
    executions,
  });
}

const STATUS_COLOURS: Record<string, Colour> = {
  accepted: 'green',
  duplicate: 'cyan',
  filtered: 'gray',
  unrouted: 'yellow',
  transform_failed: 'magenta',
  handshake: 'blue',
  rejected: 'red',
  failed: 'red',
};

/** `12:03:04  github   202 accepted   gh-1  github:push  [octo/repo]  → NotifyTeam` */
export function humanLine(
  line: DeliveryLine,
  details: DeliveryDetails,
  paint: (colour: Colour, text: string) => string,
): string {
  const time = new Date(line.time).toTimeString().slice(0, 8);
  const code = details.httpStatus !== undefined ? `${details.httpStatus} ` : '';
  const status = paint(STATUS_COLOURS[line.status] ?? 'bold', `${code}${line.status}`.padEnd(20));
  const parts = [paint('gray', time), line.webhook.padEnd(10), status];
  if (line.deliveryId !== null) parts.push(line.deliveryId);
  if (line.eventKey !== undefined) parts.push(paint('bold', line.eventKey));
  if (line.scope !== undefined) parts.push(paint('gray', `[${line.scope}]`));
  if (line.reason !== undefined) parts.push(paint(line.status === 'rejected' ? 'red' : 'yellow', line.reason));
  if (details.detail !== undefined) parts.push(paint('gray', details.detail));
  if (line.executions.length > 0) parts.push(`→ ${line.executions.map(executionLabel).join(', ')}`);
  else if (line.status === 'accepted') parts.push(`→ ${line.routes.length} route(s)`);
  return parts.join('  ');
}

/** `NotifyTeam1771056F` from an execution ARN (`…:execution:<machine>:<name>`). */
export function executionLabel(arn: string): string {
  const parts = arn.split(':');
  return parts[5] === 'execution' || parts[5] === 'express' ? (parts[6] ?? arn) : arn;
}

/** Left-aligned columns; cells longer than `max` are cut with `…`. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], max = 48): string {
  const cut = (s: string) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
  const cells = [header, ...rows].map((r) => r.map(cut));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
