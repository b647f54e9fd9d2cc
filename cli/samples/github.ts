import catalog from './github.json' with { type: 'json' };
import type { Fresh } from './fresh';

/**
 * GitHub deliveries from the examples GitHub's Octokit team publishes (@octokit/webhooks-examples, copied into
 * github.json by scripts/samples.ts), one per event, with their times moved to now: the latest
 * time in the example becomes now and the others keep their distance to it. A `push` also gets new
 * commit SHAs. GitHub signs the body alone, so the gateway's dedup key is a hash of it: the new
 * times make each send a new delivery (two sends within the same second of an example without
 * times — installation, membership, … — are duplicates, as a redelivery is).
 */
const EVENTS = catalog.events as unknown as Readonly<Record<string, Record<string, unknown>>>;

export const GITHUB_SOURCE = catalog.source;
export const GITHUB_EVENTS = ['push', ...Object.keys(EVENTS).filter((e) => e !== 'push')];

export function githubEvent(event: string, f: Fresh): Record<string, unknown> {
  const example = structuredClone(EVENTS[event]!);
  const shifted = shiftTimes(example, f.now);
  if (event === 'push') {
    const after = f.hex(20);
    Object.assign(shifted, { before: f.hex(20), after });
    const head = shifted.head_commit as Record<string, unknown> | null;
    const commits = shifted.commits as Record<string, unknown>[];
    for (const commit of [head, commits.at(-1)]) if (commit) commit.id = after;
  }
  return shifted;
}

const ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** Unix seconds in `*_at` fields (a push's repository.created_at, pushed_at). */
const EPOCH_KEY = /_at$/;
const isEpoch = (key: string, value: unknown): value is number =>
  EPOCH_KEY.test(key) && typeof value === 'number' && value > 1e9 && value < 1e10;

/** Moves every time in `value` by the same amount, so that the latest is `now`; formats are kept. */
export function shiftTimes<T>(value: T, now: Date): T {
  let latest = -Infinity;
  visit(value, (key, v) => {
    if (typeof v === 'string' && ISO.test(v)) latest = Math.max(latest, Date.parse(v));
    else if (isEpoch(key, v)) latest = Math.max(latest, v * 1000);
    return v;
  });
  if (latest === -Infinity) return value;
  const delta = Math.floor((now.getTime() - latest) / 1000) * 1000;
  return visit(value, (key, v) => {
    if (typeof v === 'string') {
      const m = ISO.exec(v);
      return m ? formatLike(new Date(Date.parse(v) + delta), m[2], m[3]!) : v;
    }
    return isEpoch(key, v) ? v + delta / 1000 : v;
  });
}

/** The time in the format of the original: fraction digits and offset kept. */
function formatLike(date: Date, fraction: string | undefined, offset: string): string {
  const minutes =
    offset === 'Z' ? 0 : (offset[0] === '-' ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4)));
  const local = new Date(date.getTime() + minutes * 60_000).toISOString();
  const frac = fraction === undefined ? '' : local.slice(19, 23).padEnd(fraction.length, '0').slice(0, fraction.length);
  return `${local.slice(0, 19)}${frac}${offset}`;
}

function visit<T>(value: T, replace: (key: string, value: unknown) => unknown): T {
  const walk = (key: string, v: unknown): unknown => {
    if (Array.isArray(v)) return v.map((item) => walk(key, item));
    if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) (v as Record<string, unknown>)[k] = walk(k, child);
      return v;
    }
    return replace(key, v);
  };
  return walk('', value) as T;
}
