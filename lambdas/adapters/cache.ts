import type { Clock } from './ports';

interface Entry<V> {
  readonly value: Promise<V>;
  readonly expiresAt: number;
}

/**
 * An in-memory cache for one function instance: concurrent misses share one load, and a failed
 * load is not kept (the next call tries again).
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly maxEntries = 1000,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.clock.now().getTime();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    if (this.entries.size >= this.maxEntries) this.evictExpired(now);
    const value = load();
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  /** Replaces a cached value in place (keeping its expiry); does nothing when it is not cached. */
  update(key: string, change: (value: V) => V): void {
    const hit = this.entries.get(key);
    if (hit) this.entries.set(key, { value: hit.value.then(change), expiresAt: hit.expiresAt });
  }

  clear(): void {
    this.entries.clear();
  }

  private evictExpired(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
