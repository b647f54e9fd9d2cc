import type { Profile, WireRequest } from '../support/schemes';

/** A value that must not appear in output, and the secret value it derives from (if any). */
export interface Needle {
  readonly label: string;
  readonly text: string;
  /** The stored secret value this needle is derived from (what `secret get` may show). */
  readonly secret?: string;
}

/** Shorter strings could occur by chance; every secret and signature here is longer. */
const MIN_LENGTH = 12;

/** The ways a value could be written out: as is, JSON-escaped, URL-encoded. */
function spellings(text: string): string[] {
  return [...new Set([text, JSON.stringify(text).slice(1, -1), encodeURIComponent(text)])];
}

/** Every secret value of the profile, raw and encoded: base64, base64url, hex, and decoded keys. */
export function secretNeedles(profile: Profile): Needle[] {
  const out: Needle[] = [];
  const add = (label: string, text: string, secret: string) => {
    if (text.length >= MIN_LENGTH) out.push({ label: `${profile.name} ${label}`, text, secret });
  };
  for (const value of profile.secretValues) {
    const bytes = Buffer.from(value, 'utf8');
    add('secret', value, value);
    add('secret (base64)', bytes.toString('base64'), value);
    add('secret (base64url)', bytes.toString('base64url'), value);
    add('secret (hex)', bytes.toString('hex'), value);
    // Keys that are used decoded: whsec_<base64> (Standard Webhooks, Svix) and Teams' base64 token.
    const encodedKey = value.startsWith('whsec_')
      ? value.slice('whsec_'.length)
      : profile.name === 'msteams'
        ? value
        : undefined;
    if (encodedKey !== undefined) {
      const key = Buffer.from(encodedKey, 'base64');
      add('decoded key (hex)', key.toString('hex'), value);
      add('decoded key (latin1)', key.toString('latin1'), value);
    }
  }
  if (profile.name === 'basic') {
    const password = profile.secretValues[0]!;
    add('basic credentials (base64)', Buffer.from(`sender:${password}`).toString('base64'), password);
  }
  return out;
}

/**
 * The credentials a request presented: every value of the profile's signature and credential
 * headers (whole, and each signature in it), the query's key, and a JWT's signature.
 */
export function requestNeedles(profile: Profile, request: WireRequest, label: string): Needle[] {
  const out: Needle[] = [];
  const add = (what: string, text: string) => {
    if (text.length >= MIN_LENGTH) out.push({ label: `${profile.name} ${label}: ${what}`, text });
  };
  for (const [name, value] of request.headers) {
    if (!profile.signatureHeaders.includes(name.toLowerCase())) continue;
    add(`${name} value`, value.trim());
    // Each signature of a list (`t=…,v1=…`, `v1,<sig> v1,<sig>`, `ts=…;h1=…`), without its `key=` or scheme.
    for (const token of value.split(/[\s,;]+/)) {
      const part = token.includes('=') && !/=+$/.test(token) ? token.slice(token.indexOf('=') + 1) : token;
      add(`${name} signature`, part);
      const jwt = part.split('.');
      if (jwt.length === 3) add(`${name} JWT signature`, jwt[2]!);
    }
  }
  for (const [name, value] of request.query) if (name === 'key') add('query key', value);
  return out;
}

export interface Leak {
  readonly needle: string;
  readonly where: string;
  readonly context: string;
}

/** Every occurrence of a needle (any spelling, case-insensitive) in the named outputs. */
export function findLeaks(outputs: Readonly<Record<string, string>>, needles: readonly Needle[]): Leak[] {
  const leaks: Leak[] = [];
  for (const [where, text] of Object.entries(outputs)) {
    const lower = text.toLowerCase();
    for (const needle of needles) {
      for (const spelling of spellings(needle.text)) {
        const at = lower.indexOf(spelling.toLowerCase());
        if (at < 0) continue;
        leaks.push({
          needle: needle.label,
          where,
          context: text.slice(Math.max(0, at - 60), at + spelling.length + 20),
        });
        break;
      }
    }
  }
  return leaks;
}

/** Needles collected across a run, without duplicates. */
export class NeedleSet {
  private readonly byText = new Map<string, Needle>();

  add(...needles: Needle[]): void {
    for (const n of needles) if (!this.byText.has(n.text)) this.byText.set(n.text, n);
  }

  get all(): Needle[] {
    return [...this.byText.values()];
  }

  /** The needles that are not derived from `secret` (what may not appear when `secret` is shown). */
  except(secret: string): Needle[] {
    return this.all.filter((n) => n.secret !== secret);
  }
}
