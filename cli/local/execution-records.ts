import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalExecution } from '../local-workflows';

/** An execution as recorded on disk: everything DescribeExecution says, in full, plus the tasks recorded. */
export type ExecutionRecord = Omit<LocalExecution, 'done'>;

/** Executions kept per data folder; the oldest go first. */
export const KEPT_EXECUTIONS = 1000;
/** Changes while an execution runs (each state entered) are written at most this often. */
const WRITE_DELAY_MS = 100;

const fileOf = (dir: string, executionArn: string) =>
  join(dir, `${createHash('sha256').update(executionArn).digest('hex').slice(0, 24)}.json`);

/**
 * The local gateway's executions as JSON files, one per execution (in the data folder, or a
 * temporary folder with --in-memory): `webhook-gateway executions` reads them, whether or not the
 * gateway runs. Written when an execution starts and ends at once, in between at most every 100 ms.
 */
export class ExecutionRecords {
  private readonly dirty = new Map<string, LocalExecution>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly dir: string,
    private readonly warn: (text: string) => void,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /**
   * At start: executions an earlier process left RUNNING cannot go on (aws-local-stepfunctions
   * keeps no state between processes): they are marked ABORTED; only the newest KEPT_EXECUTIONS stay.
   */
  settleEarlierRuns(): void {
    const records = readExecutionRecords(this.dir);
    for (const record of records.filter((r) => r.status === 'RUNNING')) {
      this.save({
        ...record,
        status: 'ABORTED',
        stopDate: new Date().toISOString(),
        cause: 'the local gateway stopped while the execution ran',
      });
    }
    for (const old of records.slice(KEPT_EXECUTIONS)) rmSync(fileOf(this.dir, old.executionArn), { force: true });
  }

  /** For LocalWorkflows' onUpdate. */
  readonly update = (execution: LocalExecution): void => {
    const startedOrEnded = execution.status !== 'RUNNING' || execution.currentState === undefined;
    if (startedOrEnded) {
      this.dirty.delete(execution.executionArn);
      this.save(execution);
      return;
    }
    this.dirty.set(execution.executionArn, execution);
    this.timer ??= setTimeout(() => this.flush(), WRITE_DELAY_MS);
  };

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const execution of this.dirty.values()) this.save(execution);
    this.dirty.clear();
  }

  private save(execution: ExecutionRecord | LocalExecution): void {
    const { done: _done, ...record } = execution as LocalExecution;
    const file = fileOf(this.dir, execution.executionArn);
    try {
      writeFileSync(`${file}.tmp`, JSON.stringify(record));
      renameSync(`${file}.tmp`, file);
    } catch (error) {
      this.warn(`execution ${execution.name} not recorded: ${(error as Error).message}`);
    }
  }
}

/** The recorded executions, newest first (an unreadable file is skipped). */
export function readExecutionRecords(dir: string): ExecutionRecord[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const records: ExecutionRecord[] = [];
  for (const name of names) {
    try {
      records.push(JSON.parse(readFileSync(join(dir, name), 'utf8')) as ExecutionRecord);
    } catch {
      // Being replaced right now, or not ours.
    }
  }
  return records.sort((a, b) => b.startDate.localeCompare(a.startDate));
}
