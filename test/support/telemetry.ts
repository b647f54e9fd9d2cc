import type { Counters, Log, LogFields, MetricName, Telemetry } from '../../lambdas/adapters/ports';

/** Telemetry kept in memory, so tests can assert what was logged and counted. */
export class RecordingTelemetry implements Telemetry {
  readonly logs: { level: 'info' | 'warn' | 'error'; message: string; fields: LogFields }[] = [];
  readonly counts: { metric: MetricName; value: number; reason?: string }[] = [];

  readonly log: Log = {
    info: (message, fields = {}) => this.logs.push({ level: 'info', message, fields }),
    warn: (message, fields = {}) => this.logs.push({ level: 'warn', message, fields }),
    error: (message, fields = {}) => this.logs.push({ level: 'error', message, fields }),
  };

  readonly metrics: Counters = {
    count: (metric, value = 1, reason) => {
      this.counts.push(reason === undefined ? { metric, value } : { metric, value, reason });
    },
    flush: () => undefined,
  };

  /** Sum of a metric, optionally for one reason. */
  total(metric: MetricName, reason?: string): number {
    return this.counts
      .filter((c) => c.metric === metric && (reason === undefined || c.reason === reason))
      .reduce((sum, c) => sum + c.value, 0);
  }
}
