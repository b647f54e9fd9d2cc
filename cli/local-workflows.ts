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

export interface LocalExecution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: unknown;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: string;
  /** Task states that call services which cannot run here: recorded with their input, passed through. */
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
  private readonly definitions = new Map<string, Definition>();
  /** State machines whose definition uses values only a deployment knows, with the reason. */
  readonly unresolvable = new Map<string, string>();
  private readonly executions = new Map<string, LocalExecution>();

  constructor(
    stacks: readonly AssemblyStack[],
    private readonly taskHandlers: ReadonlyArray<{
      matches: (resource: string, state: StateDefinition) => boolean;
      handle: LocalTaskHandler;
    }> = [],
  ) {
    for (const stack of stacks) {
      for (const template of [stack.template, ...Object.values(stack.nested)]) {
        const resolver = new TemplateResolver(template, {}, stacks);
        for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
          if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
          try {
            const raw = resolver.resolve(resource.Properties?.DefinitionString ?? resource.Properties?.Definition);
            const definition = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Definition;
            this.definitions.set(resolver.arnOf(logicalId), definition);
          } catch (error) {
            if (!(error instanceof UnresolvableError)) throw error;
            this.unresolvable.set(resolver.arnOf(logicalId), error.message);
          }
        }
      }
    }
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
      status: 'RUNNING',
      tasks,
      done: new Promise<void>((resolve) => (finish = resolve)),
    };
    this.executions.set(executionArn, execution);

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
    const machine = new StateMachine(definition as never, {
      validationOptions: { checkArn: false, checkPaths: false },
    });
    machine
      .run(input, {
        overrides: { taskResourceLocalHandlers: handlers },
        context: {
          Execution: { Id: executionArn, Name: name, Input: input, StartTime: new Date().toISOString() },
        } as never,
      })
      .result.then(
        (output) => Object.assign(execution, { status: 'SUCCEEDED', output }),
        (error: unknown) =>
          Object.assign(execution, { status: 'FAILED', error: error instanceof Error ? error.message : String(error) }),
      )
      .finally(finish);
    return execution;
  }
}

function* taskStates(definition: Definition): Generator<[string, StateDefinition]> {
  for (const [name, state] of Object.entries(definition.States ?? {})) {
    if (state.Type === 'Task') yield [name, state];
    for (const branch of state.Branches ?? []) yield* taskStates(branch);
    if (state.Iterator) yield* taskStates(state.Iterator);
    if (state.ItemProcessor) yield* taskStates(state.ItemProcessor);
  }
}
