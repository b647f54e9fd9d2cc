/**
 * The sweeper's EventBridge schedule, in process: runs `sweep` every `intervalMs` (one run at a
 * time) until stopped. Locally a minute, so that an interrupted delivery turns `failed` while you
 * watch; the deployed schedule runs every five minutes.
 */
export class SweepSchedule {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly sweep: () => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
    private readonly intervalMs = 60_000,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      this.running ??= this.sweep()
        .then(() => undefined, this.onError)
        .finally(() => (this.running = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Nothing to wake: the sweep runs on its schedule. */
  wake(): void {}

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
