import type { WebhookConfig } from '../../lambdas/core/config/webhook';
import type { CommandContext } from '../commands/context';
import { coloursFor } from '../output';
import type { SecretAccess } from '../secrets/access';
import type { SecretNeed } from '../secrets/needs';
import type { SigningMaterial } from '../sign';
import type { Target } from '../target';

export type CheckStatus = 'pass' | 'fail' | 'skip';

/** One line of `webhook-gateway doctor`; `--json` prints these objects. */
export interface CheckResult {
  readonly check: string;
  readonly status: CheckStatus;
  readonly detail: string;
  /** What to do: set on every failure, null otherwise. */
  readonly fix: string | null;
}

export const pass = (check: string, detail: string): CheckResult => ({ check, status: 'pass', detail, fix: null });
export const skip = (check: string, detail: string): CheckResult => ({ check, status: 'skip', detail, fix: null });
export const fail = (check: string, detail: string, fix: string): CheckResult => ({
  check,
  status: 'fail',
  detail,
  fix,
});

/** A webhook of the gateway under test, with its config when it could be read. */
export interface WebhookUnderTest {
  readonly name: string;
  readonly url: string;
  readonly config?: WebhookConfig;
  /** Why the config could not be read (deployed: not in the config table, or the read failed). */
  readonly configProblem?: string;
}

/** The gateway doctor checks: the running local gateway, or a deployed stack. */
export interface DoctorSubject {
  readonly mode: 'local' | 'deployed';
  readonly label: string;
  /** Appended to the commands a fix names: ` --stack X --region R`, ` --state-dir D`, or nothing. */
  readonly args: string;
  readonly webhooks: readonly WebhookUnderTest[];
  /** Tables and queues, for the test delivery's history record. */
  readonly target: Target;
  /** Where the gateway reads a secret, or why this process cannot read the same value (and what to do). */
  secret(
    config: WebhookConfig,
    need: SecretNeed,
  ): Promise<SecretAccess | { readonly unreadable: string; readonly fix: string }>;
  /** What `send` would sign with. */
  material(config: WebhookConfig): Promise<SigningMaterial>;
}

const MARKS = {
  tty: { pass: '✔', fail: '✖', skip: '–' },
  plain: { pass: 'ok', fail: 'FAIL', skip: 'skip' },
} as const;
const COLOURS = { pass: 'green', fail: 'red', skip: 'gray' } as const;

/**
 * Prints each check as it is known (human) or all of them at the end (`--json`, one array).
 * On a terminal: ✔ ✖ – in colour; otherwise ok / FAIL / skip, so that the output can be grepped.
 */
export class Report {
  private readonly results: CheckResult[] = [];
  private readonly paint;
  private readonly marks;

  constructor(
    private readonly ctx: CommandContext,
    private readonly json: boolean,
  ) {
    this.paint = coloursFor(ctx.stdout);
    this.marks = ctx.stdout.isTTY ? MARKS.tty : MARKS.plain;
  }

  add(...results: readonly CheckResult[]): void {
    for (const result of results) {
      this.results.push(result);
      if (!this.json) this.ctx.stdout.write(this.line(result));
    }
  }

  get failed(): number {
    return this.results.filter((r) => r.status === 'fail').length;
  }

  /** Prints the JSON array, or a summary line; returns the exit code (0 only when nothing failed). */
  finish(): number {
    if (this.json) {
      this.ctx.stdout.write(`${JSON.stringify(this.results, null, 2)}\n`);
    } else {
      const count = (status: CheckStatus) => this.results.filter((r) => r.status === status).length;
      this.ctx.stdout.write(`${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped\n`);
    }
    return this.failed === 0 ? 0 : 1;
  }

  private line(result: CheckResult): string {
    const mark = this.paint(COLOURS[result.status], this.marks[result.status].padEnd(4));
    const text = `${mark}  ${result.check.padEnd(24)}  ${result.detail}\n`;
    return result.fix !== null ? `${text}${' '.repeat(6)}${this.paint('yellow', 'fix:')} ${result.fix}\n` : text;
  }
}
