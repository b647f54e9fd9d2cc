import type { PlanLimits } from '../app-model';

export type ThrottleDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: 'throttled' | 'quota_exceeded'; readonly retryAfterSeconds: number };

/**
 * A webhook's usage plan as API Gateway applies it before the ingest function runs: a token bucket
 * (`burst` tokens, refilled at `rate` per second) and a quota per UTC day, week (from Monday) or
 * month. Locally the counters live in memory and restart with the gateway.
 */
export class UsagePlanThrottle {
  private tokens: number;
  private refilledAt: number;
  private quotaWindow = -1;
  private quotaUsed = 0;

  constructor(
    private readonly limits: PlanLimits,
    now = Date.now(),
  ) {
    this.tokens = this.capacity;
    this.refilledAt = now;
  }

  private get capacity(): number {
    return Math.max(1, this.limits.burst ?? this.limits.rate ?? Infinity);
  }

  take(now = Date.now()): ThrottleDecision {
    const { rate, quota } = this.limits;
    if (rate !== undefined) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) / 1000) * rate);
      this.refilledAt = now;
      if (this.tokens < 1) {
        return {
          allowed: false,
          reason: 'throttled',
          retryAfterSeconds: Math.max(1, Math.ceil((1 - this.tokens) / rate)),
        };
      }
    }
    if (quota) {
      const [start, end] = quotaWindow(quota.period, now);
      if (start !== this.quotaWindow) {
        this.quotaWindow = start;
        this.quotaUsed = 0;
      }
      if (this.quotaUsed >= quota.limit) {
        return {
          allowed: false,
          reason: 'quota_exceeded',
          retryAfterSeconds: Math.max(1, Math.ceil((end - now) / 1000)),
        };
      }
      this.quotaUsed++;
    }
    if (rate !== undefined) this.tokens -= 1;
    return { allowed: true };
  }
}

/** [start, end) of the quota period holding `now`, in epoch milliseconds, UTC. */
export function quotaWindow(period: 'DAY' | 'WEEK' | 'MONTH', now: number): [number, number] {
  const d = new Date(now);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (period === 'DAY') return [day, day + 86_400_000];
  if (period === 'WEEK') {
    const monday = day - ((d.getUTCDay() + 6) % 7) * 86_400_000;
    return [monday, monday + 7 * 86_400_000];
  }
  return [Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)];
}
