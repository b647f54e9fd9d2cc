import { randomUUID } from 'node:crypto';
import { ENV } from '../lambdas/core/config/environment';
import { parseRegistration, WAITER_TASK_KIND } from '../lambdas/core/waiters/model';
import { systemClock, type TaskAnswer, type TaskTokens, type WaiterPorts } from '../lambdas/adapters/ports';
import { registerWaiter, type WaiterDeps } from '../lambdas/adapters/waiter-resume';
import type { AssemblyStack, Template } from './assembly';

/**
 * waitForWebhook in the local gateway. aws-local-stepfunctions has no `.waitForTaskToken`, so the
 * waiter's Task state is run by a local handler: it registers the waiter with the same code as the
 * deployed registrar (against the local waiter table), under a token issued here, and completes
 * when the dispatcher answers that token through `ports.tasks` — or fails with States.Timeout
 * (aws-local-stepfunctions applies the state's TimeoutSeconds).
 */

/** Longest timer Node keeps (about 24.8 days); longer ones fire at once. */
const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** The error a locally failed task rejects with: its name is the error code, as Catch matches it. */
export class LocalTaskFailure extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

interface Pending {
  resolve(output: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** Task tokens issued locally, answered as Step Functions answers SendTaskSuccess / SendTaskFailure. */
export class LocalTaskTokens implements TaskTokens {
  private readonly pending = new Map<string, Pending>();

  /** A new token; `answered` settles when it is answered. It is gone after `timeoutSeconds`. */
  issue(timeoutSeconds: number): { readonly token: string; readonly answered: Promise<unknown> } {
    const token = `local-task-token:${randomUUID()}`;
    const answered = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => this.pending.delete(token), Math.min(timeoutSeconds, MAX_TIMER_SECONDS) * 1000);
      timer.unref();
      this.pending.set(token, { resolve, reject, timer });
    });
    return { token, answered };
  }

  /** Tokens still waiting. */
  get waiting(): number {
    return this.pending.size;
  }

  async succeed(taskToken: string, output: string): Promise<TaskAnswer> {
    const pending = this.take(taskToken);
    if (!pending) return 'gone';
    pending.resolve(JSON.parse(output));
    return 'resumed';
  }

  async fail(taskToken: string, error: string, cause: string): Promise<TaskAnswer> {
    const pending = this.take(taskToken);
    if (!pending) return 'gone';
    pending.reject(new LocalTaskFailure(error, cause));
    return 'resumed';
  }

  /** Forgets a token without answering it. */
  cancel(token: string): void {
    this.take(token);
  }

  private take(token: string): Pending | undefined {
    const pending = this.pending.get(token);
    if (pending) {
      clearTimeout(pending.timer);
      this.pending.delete(token);
    }
    return pending;
  }
}

/** Whether a Task state of a synthesized definition is a waitForWebhook state (for one of `webhooks`, when given). */
export function isWaiterTask(resource: string, state: unknown, webhooks?: readonly string[]): boolean {
  const payload = (state as { Parameters?: { Payload?: { kind?: unknown; webhook?: unknown } } } | null)?.Parameters
    ?.Payload;
  return (
    resource.endsWith(':lambda:invoke.waitForTaskToken') &&
    payload?.kind === WAITER_TASK_KIND &&
    (webhooks === undefined || webhooks.includes(String(payload.webhook)))
  );
}

export type LocalWaitersDeps = Omit<WaiterDeps, 'tasks' | 'clock'> &
  Partial<Pick<WaiterDeps, 'clock'>> & {
    /** Only waiters for these webhooks (one LocalWaiters per gateway: webhook names are unique locally). */
    readonly webhooks?: readonly string[];
  };

export class LocalWaiters {
  readonly tokens = new LocalTaskTokens();
  /** For the local dispatcher: `createDispatcher({ …, waiters: localWaiters.ports })`. */
  readonly ports: WaiterPorts;
  /** For LocalWorkflows: `new LocalWorkflows(withLocalTaskTokens(stacks), [localWaiters.taskHandler])`. */
  readonly taskHandler = {
    matches: (resource: string, state: unknown) => isWaiterTask(resource, state, this.webhooks),
    handle: (input: unknown) => this.run(input),
  };
  private readonly deps: WaiterDeps;
  private readonly webhooks?: readonly string[];

  constructor({ webhooks, ...deps }: LocalWaitersDeps) {
    if (webhooks) this.webhooks = webhooks;
    this.deps = { ...deps, clock: deps.clock ?? systemClock, tasks: this.tokens };
    this.ports = { store: deps.store, tasks: this.tokens, payloads: deps.payloads, clock: this.deps.clock };
  }

  /** Registers the waiter under a local token and waits for its answer: the Task state's result. */
  private async run(input: unknown): Promise<unknown> {
    const payload = (input as { Payload?: Record<string, unknown> } | null)?.Payload ?? {};
    const timeoutSeconds = Number(payload.timeoutSeconds);
    const { token, answered } = this.tokens.issue(Number.isFinite(timeoutSeconds) ? timeoutSeconds : 60);
    try {
      await registerWaiter(this.deps, parseRegistration({ ...payload, taskToken: token }));
    } catch (error) {
      this.tokens.cancel(token);
      throw error;
    }
    return answered;
  }
}

/**
 * The stacks with every state machine definition made runnable by aws-local-stepfunctions, which
 * has no task tokens: `$$.Task.Token` reads the execution id instead (the waiter's handler issues
 * its own token), and TimeoutSeconds above Node's longest timer (about 24.8 days) is capped, as
 * longer timers fire at once.
 */
export function withLocalTaskTokens(stacks: readonly AssemblyStack[]): AssemblyStack[] {
  return stacks.map((stack) => ({
    ...stack,
    template: localTemplate(stack.template),
    nested: Object.fromEntries(Object.entries(stack.nested).map(([id, t]) => [id, localTemplate(t)])),
  }));
}

function localTemplate(template: Template): Template {
  const resources = Object.entries(template.Resources ?? {}).map(([id, resource]) => [
    id,
    resource.Type === 'AWS::StepFunctions::StateMachine'
      ? { ...resource, Properties: rewrite(resource.Properties) }
      : resource,
  ]);
  return { ...template, Resources: Object.fromEntries(resources) as Template['Resources'] };
}

function rewrite<T>(value: T): T {
  if (typeof value === 'string') {
    return value
      .replaceAll('$$.Task.Token', () => '$$.Execution.Id')
      .replace(
        /"TimeoutSeconds":(\d+)/g,
        (_, n: string) => `"TimeoutSeconds":${Math.min(Number(n), MAX_TIMER_SECONDS)}`,
      ) as T;
  }
  if (Array.isArray(value)) return value.map(rewrite) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === 'TimeoutSeconds' && typeof v === 'number' ? Math.min(v, MAX_TIMER_SECONDS) : rewrite(v),
      ]),
    ) as T;
  }
  return value;
}

/**
 * The logical id of the waiter table of the gateway whose history table is `historyTable` (the
 * dispatcher's and the registrar's WAITER_TABLE_NAME), or undefined when it has no waiters.
 */
export function waiterTableOf(template: Template, historyTable: string): string | undefined {
  for (const resource of Object.values(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const env = (resource.Properties?.Environment as { Variables?: Record<string, { Ref?: string }> } | undefined)
      ?.Variables;
    const waiterTable = env?.[ENV.waiterTable]?.Ref;
    if (waiterTable && env?.[ENV.historyTable]?.Ref === historyTable) return waiterTable;
  }
  return undefined;
}
