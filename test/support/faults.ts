import { AsyncLocalStorage } from 'node:async_hooks';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { FAULT_HEADER, LATE_MS } from './local-aws';

/**
 * How one call to a dependency fails:
 * - `server-error`: the service answers 500 (DynamoDB InternalServerError, SQS InternalFailure, …);
 * - `throttle`: a throttling answer (DynamoDB ThrottlingException, ProvisionedThroughputExceededException,
 *   RequestLimitExceeded; SQS ThrottlingException, RequestThrottled, ServiceUnavailable; …);
 * - `timeout`: no answer before the SDK's request timeout, and the request is never handled;
 * - `timeout-applied`: handled at once, but its answer comes after the timeout (lost);
 * - `timeout-late`: handled only after the client gave up;
 * - `reset`: the connection drops before the request is handled;
 * - `crash`: the invocation dies here (a Lambda timeout or crash): this call and every later call
 *   of that invocation never return.
 */
export type FaultKind =
  'server-error' | 'throttle' | 'timeout' | 'timeout-applied' | 'timeout-late' | 'reset' | 'crash';

export const FAULT_KINDS: readonly FaultKind[] = [
  'server-error',
  'throttle',
  'timeout',
  'timeout-applied',
  'timeout-late',
  'reset',
  'crash',
];

/** One injected fault: the `nth` call of `label` in a run fails with `kind`. */
export interface Fault {
  /** What the call does, e.g. `claim.marker` (see `dynamodbLabel`). */
  readonly label: string;
  /** 1 for the first call of that label in the run. */
  readonly nth: number;
  readonly kind: FaultKind;
  /**
   * Every attempt of the call fails, the SDK's own retries too; otherwise only its first attempt
   * (the SDK's retry may then succeed). Calls through a stubbed client have no SDK retries.
   * @default true
   */
  readonly persistent?: boolean;
}

export type Service = 'dynamodb' | 'sqs' | 's3' | 'sfn' | 'secretsmanager';

/** The error codes each kind answers with, by service; the nth call of a label takes the nth code. */
export const ERROR_CODES: Record<Service, Record<'server-error' | 'throttle', readonly [number, string][]>> = {
  dynamodb: {
    'server-error': [[500, 'InternalServerError']],
    throttle: [
      [400, 'ThrottlingException'],
      [400, 'ProvisionedThroughputExceededException'],
      [400, 'RequestLimitExceeded'],
    ],
  },
  sqs: {
    'server-error': [
      [500, 'InternalFailure'],
      [503, 'ServiceUnavailable'],
    ],
    throttle: [
      [400, 'ThrottlingException'],
      [400, 'RequestThrottled'],
    ],
  },
  s3: { 'server-error': [[500, 'InternalError']], throttle: [[503, 'SlowDown']] },
  sfn: { 'server-error': [[500, 'InternalFailure']], throttle: [[400, 'ThrottlingException']] },
  secretsmanager: { 'server-error': [[500, 'InternalServiceError']], throttle: [[400, 'ThrottlingException']] },
};

/** One handler invocation (an ingest request, a dispatcher batch): a crash ends every call it makes. */
export class Invocation {
  crashed = false;
  /** What the invocation handles, e.g. a delivery id (for `onFault`). */
  constructor(readonly label?: string) {}
  private onCrash!: () => void;
  /** Settles when the invocation crashed. */
  readonly crash = new Promise<'crashed'>((resolve) => (this.onCrash = () => resolve('crashed')));

  markCrashed(): void {
    this.crashed = true;
    this.onCrash();
  }
}

const invocations = new AsyncLocalStorage<Invocation>();

/** Runs `work` as one invocation: its result, or `crashed` as soon as one of its calls crashed it. */
export async function invoke<T>(work: () => Promise<T>, label?: string): Promise<T | 'crashed'> {
  const invocation = new Invocation(label);
  const result = invocations.run(invocation, work);
  // A crashed invocation's work never settles; should it, nobody is listening any more.
  result.catch(() => undefined);
  return Promise.race([result, invocation.crash]);
}

/** A call the injector saw, in order. */
export interface Call {
  readonly label: string;
  readonly n: number;
  readonly fault?: FaultKind;
  /** The label of the invocation that made it (a delivery id), if any. */
  readonly by?: string;
}

interface MiddlewareStack {
  add(
    middleware: (next: (args: unknown) => Promise<unknown>, context: object) => (args: unknown) => Promise<unknown>,
    options: { step: 'initialize' | 'finalizeRequest'; name: string; priority?: 'low'; override?: boolean },
  ): void;
}

const never = () => new Promise<never>(() => undefined);

/**
 * Injects the faults of one run into the SDK calls of the handlers under test, by label and call
 * index: SDK clients through middleware (the fault travels to the local server as a request
 * header, per attempt), stubbed clients (S3, Step Functions, Secrets Manager) through `around`.
 * After `heal()` nothing more fails.
 */
export class FaultInjector {
  readonly calls: Call[] = [];
  private readonly counts = new Map<string, number>();
  private healed = false;
  private readonly late = new Set<Promise<unknown>>();

  constructor(
    private readonly faults: readonly Fault[],
    private readonly options: { onFault?: (fault: Fault, invocation?: Invocation) => void } = {},
  ) {}

  heal(): void {
    this.healed = true;
  }

  /** Resolves once every late effect of a stubbed call has happened. */
  async quiet(): Promise<void> {
    while (this.late.size > 0) await Promise.all([...this.late]);
  }

  /** Counts one call of `label` and returns its fault, if any. */
  private next(label: string): Fault | undefined {
    const n = (this.counts.get(label) ?? 0) + 1;
    this.counts.set(label, n);
    const fault = this.healed ? undefined : this.faults.find((f) => f.label === label && f.nth === n);
    const by = invocations.getStore()?.label;
    this.calls.push({ label, n, ...(fault && { fault: fault.kind }), ...(by !== undefined && { by }) });
    if (fault) this.options.onFault?.(fault, invocations.getStore());
    return fault;
  }

  /**
   * Faults for the client's calls that `label` names (others pass untouched), from the injector
   * `injector` returns at each call (a client serves run after run, each with its own injector).
   */
  static attach(
    service: Service,
    client: unknown,
    label: (command: string, input: Record<string, unknown>) => string | undefined,
    injector: () => FaultInjector | undefined,
  ): void {
    const stack = (client as { middlewareStack: MiddlewareStack }).middlewareStack;
    const perCommand = new WeakMap<object, { fault: Fault; n: number; attempts: number }>();
    stack.add(
      (next, context) => async (args) => {
        const command = (context as { commandName?: string }).commandName ?? '';
        const name = label(command, (args as { input: Record<string, unknown> }).input);
        const current = injector();
        if (name === undefined || !current) return next(args);
        const invocation = invocations.getStore();
        if (invocation?.crashed) return never();
        const fault = current.next(name);
        if (fault?.kind === 'crash') {
          invocation?.markCrashed();
          return never();
        }
        if (fault) perCommand.set(context, { fault, n: current.counts.get(name)!, attempts: 0 });
        return next(args);
      },
      { step: 'initialize', name: 'faultInjector', override: true },
    );
    // After the retry middleware: once per attempt.
    stack.add(
      (next, context) => async (args) => {
        const request = (args as { request: { headers: Record<string, string> } }).request;
        delete request.headers[FAULT_HEADER];
        const state = perCommand.get(context);
        if (state && (state.fault.persistent !== false || state.attempts === 0)) {
          request.headers[FAULT_HEADER] = wireFault(service, state.fault.kind, state.n);
        }
        if (state) state.attempts++;
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'faultInjectorAttempt', override: true },
    );
  }

  /** A stubbed client's call: applied, failed, or applied late, as its fault says. */
  async around<T>(service: Service, label: string, apply: () => Promise<T>): Promise<T> {
    const invocation = invocations.getStore();
    if (invocation?.crashed) return never();
    const fault = this.next(label);
    if (!fault) return apply();
    switch (fault.kind) {
      case 'crash':
        invocation?.markCrashed();
        return never();
      case 'server-error':
      case 'throttle': {
        const codes = ERROR_CODES[service][fault.kind];
        const [status, code] = codes[(this.counts.get(label)! - 1) % codes.length]!;
        throw serviceError(status, code);
      }
      case 'reset':
        throw Object.assign(new Error('socket hang up (injected by the test)'), { code: 'ECONNRESET' });
      case 'timeout':
        throw timeoutError();
      case 'timeout-applied':
        await apply();
        throw timeoutError();
      case 'timeout-late': {
        const late = new Promise((resolve) => setTimeout(resolve, LATE_MS)).then(apply);
        this.late.add(late);
        void late.then(
          () => this.late.delete(late),
          () => this.late.delete(late),
        );
        throw timeoutError();
      }
    }
  }
}

function wireFault(service: Service, kind: FaultKind, n: number): string {
  if (kind === 'server-error' || kind === 'throttle') {
    const codes = ERROR_CODES[service][kind];
    const [status, code] = codes[(n - 1) % codes.length]!;
    return `error;${status};${code}`;
  }
  return kind;
}

function serviceError(status: number, code: string): Error {
  return Object.assign(new Error(`${code} (injected by the test)`), {
    name: code,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

function timeoutError(): Error {
  return Object.assign(new Error('the request timed out (injected by the test)'), { name: 'TimeoutError' });
}

/**
 * What a DynamoDB call of the gateway does, from its input: `config.webhook`, `config.routes`,
 * `config.verified`; `claim.marker` and `claim.history` (the claim's two conditional puts);
 * `marker.<status>` (markQueued, markFailed, …), `marker.dispatched` (the dispatcher's); `history.failed`, `history.enqueued`,
 * `history.duplicate`, `history.replay`; `read.marker`, `read.history`, `delete.history`;
 * `history.rejection`; `history.lookup`; `sweep.*` for the sweeper's.
 */
export function dynamodbLabel(tables: { configTable: string; historyTable: string }) {
  return (command: string, input: Record<string, unknown>): string | undefined => {
    const table = input.TableName;
    const key = (input.Key ?? input.Item) as Record<string, AttributeValue> | undefined;
    const sk = key?.sk?.S ?? '';
    const values = (input.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue>;
    const update = String(input.UpdateExpression ?? '');
    if (table === tables.configTable) {
      if (command === 'GetItemCommand') return 'config.webhook';
      if (command === 'QueryCommand') return 'config.routes';
      if (command === 'UpdateItemCommand') return 'config.verified';
      return undefined;
    }
    if (table !== tables.historyTable) return undefined;
    const item = sk.startsWith('k#') ? 'marker' : sk.startsWith('d#') ? 'history' : 'rejection';
    switch (command) {
      case 'PutItemCommand':
        return item === 'rejection' ? 'history.rejection' : `claim.${item}`;
      case 'GetItemCommand':
        return `read.${item}`;
      case 'DeleteItemCommand':
        return `delete.${item}`;
      case 'QueryCommand':
        return input.IndexName === undefined || String(input.IndexName).startsWith('byDelivery')
          ? 'history.lookup'
          : 'sweep.query';
      case 'UpdateItemCommand':
        if (item === 'marker') {
          if (values[':retention']) return 'marker.queued';
          if (!values[':attempt']) return 'marker.dispatched';
          return values[':from'] ? 'sweep.marker' : `marker.${values[':status']?.S}`;
        }
        if (update.includes('#executions')) return 'history.enqueued';
        if (update.includes('#duplicates')) return 'history.duplicate';
        if (update.includes('#replays')) return 'history.replay';
        return values[':attempt'] ? 'history.failed' : 'sweep.history';
      default:
        return undefined;
    }
  };
}

/** The SQS call on the accept path: `queue.send`. Receives and deletes (the event source) are not faulted. */
export function sqsLabel(command: string): string | undefined {
  return command === 'SendMessageBatchCommand' ? 'queue.send' : undefined;
}
