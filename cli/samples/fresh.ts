import { randomBytes, randomInt, randomUUID } from 'node:crypto';

/** Values a sample takes new each time (ids, the time), so that a second `send` is not a duplicate. */
export interface Fresh {
  readonly now: Date;
  /** Unix seconds. */
  readonly seconds: number;
  readonly iso: string;
  /** `bytes` random bytes as hex. */
  hex(bytes: number): string;
  /** `length` random alphanumerics, as in Stripe's ids. */
  id(length: number): string;
  uuid(): string;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function fresh(now = new Date()): Fresh {
  return {
    now,
    seconds: Math.floor(now.getTime() / 1000),
    iso: now.toISOString(),
    hex: (bytes) => randomBytes(bytes).toString('hex'),
    id: (length) => Array.from({ length }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join(''),
    uuid: () => randomUUID(),
  };
}
