/** What a command gets from the entry point (the tests pass their own). */
export interface CommandContext {
  readonly cwd: string;
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  /** Prints a command's help on stdout; returns the exit code. */
  help(text: string): number;
}
