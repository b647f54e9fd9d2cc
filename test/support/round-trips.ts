import { performance } from 'node:perf_hooks';

export interface Call {
  readonly service: string;
  readonly command: string;
  readonly start: number;
  readonly end: number;
}

interface MiddlewareClient {
  middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { step: 'initialize'; name: string; override?: boolean },
    ): void;
  };
}

/**
 * Records every SDK call of the clients (start and end of the whole command, retries included),
 * so a test can count how many round trips ran one after another.
 */
export class RoundTripRecorder {
  readonly calls: Call[] = [];

  attach(service: string, client: unknown): this {
    (client as MiddlewareClient).middlewareStack.add(
      (next, context) => async (args) => {
        const start = performance.now();
        try {
          return await next(args);
        } finally {
          this.calls.push({ service, command: context.commandName ?? 'unknown', start, end: performance.now() });
        }
      },
      { step: 'initialize', name: 'roundTripRecorder', override: true },
    );
    return this;
  }

  /** Records a call made by a fake (a client stubbed by aws-sdk-client-mock runs no middleware). */
  async around<T>(service: string, command: string, call: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await call();
    } finally {
      this.calls.push({ service, command, start, end: performance.now() });
    }
  }

  reset(): void {
    this.calls.length = 0;
  }

  commands(): string[] {
    return this.calls.map((c) => `${c.service}.${c.command}`).sort();
  }

  /** The longest chain of calls in which each started after the previous one ended. */
  sequentialStages(): number {
    const sorted = [...this.calls].sort((a, b) => a.start - b.start);
    const depth: number[] = [];
    sorted.forEach((call, i) => {
      let best = 0;
      for (let j = 0; j < i; j++) if (sorted[j]!.end <= call.start) best = Math.max(best, depth[j]!);
      depth.push(best + 1);
    });
    return Math.max(0, ...depth);
  }
}
