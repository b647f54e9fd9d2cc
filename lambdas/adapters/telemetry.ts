import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS } from '../core/config/environment';
import type { Counters, Log, Telemetry } from './ports';

/**
 * Powertools Logger (structured JSON) and Metrics (EMF). Metrics carry the `Gateway` dimension
 * only — Powertools' default `service` dimension is dropped so that the constructs' alarms, which
 * name `Gateway` (and `Gateway` + `Reason`), match.
 */
export function powertoolsTelemetry(options: { serviceName: string; gatewayId: string }): Telemetry {
  const log = powertoolsLog(options.serviceName);
  const metrics = gatewayMetrics(options.gatewayId);
  // Created at the first count with a reason (a rejection): not at every cold start.
  let byReason: Metrics | undefined;
  const counters: Counters = {
    count(metric, value = 1, reason) {
      metrics.addMetric(metric, MetricUnit.Count, value);
      if (reason !== undefined) {
        // A second record, so the other metrics of the invocation keep Gateway alone.
        byReason ??= gatewayMetrics(options.gatewayId);
        byReason.addDimension(METRICS.dimensions.reason, reason);
        byReason.addMetric(metric, MetricUnit.Count, value);
        byReason.publishStoredMetrics();
      }
    },
    flush() {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    },
  };
  return { log, metrics: counters };
}

/** A structured JSON logger. */
export function powertoolsLog(serviceName: string): Log {
  const logger = new Logger({ serviceName });
  return {
    info: (message, fields) => logger.info(message, fields ?? {}),
    warn: (message, fields) => logger.warn(message, fields ?? {}),
    error: (message, fields) => logger.error(message, fields ?? {}),
  };
}

function gatewayMetrics(gatewayId: string): Metrics {
  const metrics = new Metrics({ namespace: METRICS.namespace });
  metrics.clearDefaultDimensions();
  metrics.setDefaultDimensions({ [METRICS.dimensions.gateway]: gatewayId });
  return metrics;
}
