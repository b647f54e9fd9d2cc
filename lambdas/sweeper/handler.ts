import { METRICS } from '../core/config/environment';
import type { Clock, PendingSweep, SweepOutcome, Telemetry } from '../adapters/ports';

export interface SweeperDeps {
  readonly sweep: PendingSweep;
  readonly clock: Clock;
  readonly telemetry: Telemetry;
}

/** Markers settled at once; the rest wait their turn (each settle is two reads and one or two writes). */
const CONCURRENCY = 16;
/** Past its lease, a marker is left this long more before it is swept: room for clock differences. */
export const SWEEP_GRACE_SECONDS = 60;

export interface SweepSummary {
  readonly found: number;
  readonly outcomes: Readonly<Record<SweepOutcome | 'error', number>>;
}

/**
 * The scheduled sweeper: every dedup marker still `pending` a minute after its lease (the ingest
 * timeout) belongs to an ingest attempt that died before it queued its messages or marked them
 * queued. Each is settled from its history item — `queued` or `settled` when the delivery went
 * through meanwhile, else `failed` (marker and history item), so that nothing stays pending and a
 * retry of the delivery is handled as new. A marker that fails to settle stays in the index for the
 * next run, and the run ends with SweepIncompleteError once every other marker is settled, so that
 * the function's Errors metric (and its alarm) shows it.
 */
export function createSweeper(deps: SweeperDeps) {
  const { log, metrics } = deps.telemetry;
  return async (): Promise<SweepSummary> => {
    const now = Math.floor(deps.clock.now().getTime() / 1000);
    const stale = await deps.sweep.stalePending(now - SWEEP_GRACE_SECONDS);
    const outcomes = { failed: 0, queued: 0, settled: 0, cleared: 0, skipped: 0, error: 0 };
    let next = 0;
    const worker = async () => {
      while (next < stale.length) {
        const marker = stale[next++]!;
        try {
          const outcome = await deps.sweep.settle(marker, now - SWEEP_GRACE_SECONDS);
          outcomes[outcome]++;
          if (outcome === 'failed') {
            log.warn('delivery interrupted', { ...marker, reason: 'ingest_interrupted' });
            metrics.count(METRICS.interrupted);
          }
        } catch (error) {
          outcomes.error++;
          log.error('marker not settled', { ...marker, error: describe(error) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, stale.length) }, worker));
    log.info('swept', { found: stale.length, ...outcomes });
    metrics.flush();
    const summary = { found: stale.length, outcomes };
    if (outcomes.error > 0) throw new SweepIncompleteError(summary);
    return summary;
  };
}

/** Some markers could not be settled (they stay for the next run); the others were. */
export class SweepIncompleteError extends Error {
  constructor(readonly summary: SweepSummary) {
    super(`${summary.outcomes.error} of ${summary.found} stale markers could not be settled`);
    this.name = 'SweepIncompleteError';
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
