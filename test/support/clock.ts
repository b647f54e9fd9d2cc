import type { Clock } from '../../lambdas/adapters/ports';

/** A clock the test moves. */
export class ManualClock implements Clock {
  constructor(private time = Date.parse('2026-03-01T12:00:00Z')) {}

  now(): Date {
    return new Date(this.time);
  }

  advance(ms: number): void {
    this.time += ms;
  }

  set(date: Date | string): void {
    this.time = typeof date === 'string' ? Date.parse(date) : date.getTime();
  }
}
