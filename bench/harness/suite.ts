import { FULL, QUICK, type MeasureOptions } from './measure';
import type { Result, Unit } from './results';

export interface AddOptions {
  readonly target?: Result['target'];
  readonly note?: string;
}

/** What a suite gets: the mode, and where its numbers and detail tables go. */
export class SuiteContext {
  readonly results: Result[] = [];
  readonly details: Record<string, unknown> = {};
  readonly measureOptions: MeasureOptions;

  constructor(
    readonly suite: string,
    readonly quick: boolean,
    readonly log: (line: string) => void,
  ) {
    this.measureOptions = quick ? QUICK : FULL;
  }

  add(name: string, value: number, unit: Unit, options: AddOptions = {}): Result {
    const result: Result = {
      id: `${this.suite}/${name}`,
      suite: this.suite,
      name,
      value,
      unit,
      ...(options.target && { target: options.target }),
      ...(options.note !== undefined && { note: options.note }),
      measuredAt: new Date().toISOString(),
    };
    this.results.push(result);
    return result;
  }

  detail(key: string, value: unknown): void {
    this.details[`${this.suite}.${key}`] = value;
  }
}

export interface Suite {
  readonly name: string;
  /** One line for `npm run bench -- --help`. */
  readonly description: string;
  run(ctx: SuiteContext): Promise<void>;
}
