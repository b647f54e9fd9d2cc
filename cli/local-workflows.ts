import './polyfills';
import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import type { AssemblyStack } from './assembly';
import { TemplateResolver, UnresolvableError } from './intrinsics';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface TaskRecord {
  readonly state: string;
  readonly resource: string;
  readonly input: unknown;
}

/** An error a state raised: the error name (`States.Timeout`, a Fail state's error, …) and its cause. */
export interface StateError {
  readonly state: string;
  readonly error: string;
  readonly cause: string;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** One execution, as DescribeExecution tells it, plus what ran locally. Plain JSON but `done`. */
export interface LocalExecution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: unknown;
  readonly startDate: string;
  stopDate?: string;
  status: ExecutionStatus;
  output?: unknown;
  /** The error the execution failed with (`States.Timeout`, a Fail state's error, `States.TaskFailed`, …). */
  error?: string;
  cause?: string;
  /** The state the execution failed in. */
  failedState?: string;
  /** The state running now (or last entered). */
  currentState?: string;
  /** Errors that a Catch handled on the way, in order (a waiter's States.Timeout caught into a Fail state). */
  readonly caught: StateError[];
  /** Task states that call services which cannot run here: recorded with their full input, passed through. */
  readonly tasks: TaskRecord[];
  readonly done: Promise<void>;
}

/** A Task state whose behaviour is provided locally (e.g. the waitForWebhook task). */
export type LocalTaskHandler = (input: unknown, execution: LocalExecution) => Promise<unknown> | unknown;

export class ExecutionAlreadyExistsError extends Error {
  constructor(readonly executionArn: string) {
    super(`execution ${executionArn} already exists`);
    this.name = 'ExecutionAlreadyExists';
  }
}

export class UnknownStateMachineError extends Error {
  constructor(arn: string, why?: string) {
    super(
      why
        ? `state machine ${arn} cannot run locally: ${why}`
        : `no state machine with ARN ${arn} in the synthesized app`,
    );
    this.name = 'StateMachineDoesNotExist';
  }
}

interface Definition {
  States: Record<string, StateDefinition>;
}
interface StateDefinition {
  Type: string;
  Resource?: string;
  Branches?: Definition[];
  Iterator?: Definition;
  ItemProcessor?: Definition;
}

/**
 * Runs the app's state machines in aws-local-stepfunctions. Task states whose resource cannot run
 * here are recorded with their input and pass it through; `taskHandlers` (by resource ARN prefix)
 * provide local behaviour for specific tasks.
 */
export class LocalWorkflows {
  private definitions = new Map<string, Definition>();
  /**
   * The state machines built so far, by ARN: building one validates its definition (asl-validator
   * compiles its JSON schema anew each time, 0.1–0.2 s of CPU), so each definition is built once and
   * every execution runs on it (a run keeps its own state).
   */
  private machines = new Map<string, StateMachine>();
  /** State machines whose definition uses values only a deployment knows, with the reason. */
  unresolvable = new Map<string, string>();
  private readonly executions = new Map<string, LocalExecution>();

  constructor(
    stacks: readonly AssemblyStack[],
    private readonly taskHandlers: ReadonlyArray<{
      matches: (resource: string, state: StateDefinition) => boolean;
      handle: LocalTaskHandler;
    }> = [],
    /** Told when an execution starts, changes state or ends (the local gateway records it). */
    private readonly onUpdate: (execution: LocalExecution) => void = () => undefined,
  ) {
    this.load(stacks);
  }

  /**
   * Replaces the state machine definitions (the app was synthesized again): new executions run
   * the new definitions, running ones finish on the ones they started with.
   */
  load(stacks: readonly AssemblyStack[]): void {
    const definitions = new Map<string, Definition>();
    const unresolvable = new Map<string, string>();
    for (const stack of stacks) {
      for (const template of [stack.template, ...Object.values(stack.nested)]) {
        const resolver = new TemplateResolver(template, {}, stacks);
        for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
          if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
          try {
            const raw = resolver.resolve(resource.Properties?.DefinitionString ?? resource.Properties?.Definition);
            const definition = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Definition;
            definitions.set(resolver.arnOf(logicalId), definition);
          } catch (error) {
            if (!(error instanceof UnresolvableError)) throw error;
            unresolvable.set(resolver.arnOf(logicalId), error.message);
          }
        }
      }
    }
    this.definitions = definitions;
    this.machines = new Map();
    this.unresolvable = unresolvable;
  }

  get stateMachineArns(): string[] {
    return [...this.definitions.keys()];
  }

  list(): LocalExecution[] {
    return [...this.executions.values()];
  }

  get(executionArn: string): LocalExecution | undefined {
    return this.executions.get(executionArn);
  }

  /** Starts an execution, like StartExecution: a name already used for this state machine throws. */
  start(request: { stateMachineArn: string; name?: string; input: string }): LocalExecution {
    const baseArn = request.stateMachineArn.replace(/^(arn:[^:]+:states:[^:]+:[^:]+:stateMachine:[^:]+):.*$/, '$1');
    const definition = this.definitions.get(baseArn);
    if (!definition) throw new UnknownStateMachineError(request.stateMachineArn, this.unresolvable.get(baseArn));
    const name = request.name ?? randomUUID();
    const executionArn = `${baseArn.replace(':stateMachine:', ':execution:')}:${name}`;
    if (this.executions.has(executionArn)) throw new ExecutionAlreadyExistsError(executionArn);

    const input = JSON.parse(request.input) as Json;
    const tasks: TaskRecord[] = [];
    let finish!: () => void;
    const execution: LocalExecution = {
      executionArn,
      stateMachineArn: request.stateMachineArn,
      name,
      input,
      startDate: new Date().toISOString(),
      status: 'RUNNING',
      caught: [],
      tasks,
      done: new Promise<void>((resolve) => (finish = resolve)),
    };
    this.executions.set(executionArn, execution);
    this.onUpdate(execution);

    const handlers: Record<string, (input: Json) => Promise<Json>> = {};
    for (const [stateName, state] of taskStates(definition)) {
      const resource = state.Resource ?? '';
      const local = this.taskHandlers.find((h) => h.matches(resource, state));
      handlers[stateName] = async (taskInput) => {
        if (local) return (await local.handle(taskInput, execution)) as Json;
        tasks.push({ state: stateName, resource, input: taskInput });
        return taskInput;
      };
    }
    const machine = this.machineOf(baseArn, definition);
    const run = machine.run(input, {
      overrides: { taskResourceLocalHandlers: handlers },
      context: {
        Execution: { Id: executionArn, Name: name, Input: input, StartTime: execution.startDate },
      } as never,
    });
    const followed = this.follow(execution, run.eventLogs as AsyncIterable<ExecutionEvent>);
    run.result
      .then(
        (output) => Object.assign(execution, { status: 'SUCCEEDED', output }),
        async (error: unknown) => {
          await followed;
          Object.assign(execution, failure(execution, error));
        },
      )
      .then(() => {
        execution.stopDate = new Date().toISOString();
        this.onUpdate(execution);
      })
      .finally(finish);
    return execution;
  }

  private machineOf(arn: string, definition: Definition): StateMachine {
    let machine = this.machines.get(arn);
    if (!machine) {
      machine = new StateMachine(definition as never, { validationOptions: { checkArn: false, checkPaths: false } });
      this.machines.set(arn, machine);
    }
    return machine;
  }

  /** Follows the execution's events: the state it is in, the errors raised and caught. */
  private async follow(execution: LocalExecution, events: AsyncIterable<ExecutionEvent>): Promise<void> {
    let raised: StateError | undefined;
    try {
      for await (const event of events) {
        if (event.index !== undefined) continue; // Inside a Map iteration: its own states.
        if (event.type === 'StateEntered' && event.state) {
          execution.currentState = event.state.name;
          this.onUpdate(execution);
        } else if (event.type === 'StateFailed' && event.state) {
          raised = { state: event.state.name, error: event.Error ?? 'Error', cause: String(event.Cause ?? '') };
          execution.failedState = raised.state;
        } else if (event.type === 'StateCaught' && raised) {
          execution.caught.push(raised);
          execution.failedState = undefined;
          raised = undefined;
        }
      }
    } catch {
      // The event log is informative only: the result says how the execution ended.
    }
  }
}

interface ExecutionEvent {
  readonly type: string;
  readonly index?: number;
  readonly state?: { readonly name: string };
  readonly Error?: string;
  readonly Cause?: unknown;
}

/** How a failed run ended: aws-local-stepfunctions wraps the state's error in ExecutionError (as `cause`). */
function failure(execution: LocalExecution, error: unknown): Partial<LocalExecution> {
  const name = (error as Error | undefined)?.name;
  if (name === 'ExecutionTimeoutError') {
    return { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'the execution ran longer than its TimeoutSeconds' };
  }
  if (name === 'ExecutionAbortedError') return { status: 'ABORTED' };
  const inner = (error as { cause?: unknown } | undefined)?.cause ?? error;
  const errorName = inner instanceof Error ? inner.name : 'Error';
  const cause = inner instanceof Error ? inner.message : String(inner);
  return {
    status: 'FAILED',
    error: errorName === 'FailStateError' ? 'States.Fail' : errorName,
    cause,
    ...(execution.failedState === undefined &&
      execution.currentState !== undefined && {
        failedState: execution.currentState,
      }),
  };
}

function* taskStates(definition: Definition): Generator<[string, StateDefinition]> {
  for (const [name, state] of Object.entries(definition.States ?? {})) {
    if (state.Type === 'Task') yield [name, state];
    for (const branch of state.Branches ?? []) yield* taskStates(branch);
    if (state.Iterator) yield* taskStates(state.Iterator);
    if (state.ItemProcessor) yield* taskStates(state.ItemProcessor);
  }
}
