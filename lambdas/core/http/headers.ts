/** Case-insensitive, multi-valued HTTP headers. */
export class HttpHeaders {
  private readonly map = new Map<string, string[]>();

  static from(
    single?: Readonly<Record<string, string | undefined>> | null,
    multi?: Readonly<Record<string, readonly string[] | undefined>> | null,
  ): HttpHeaders {
    const headers = new HttpHeaders();
    // for…in rather than Object.entries: no array per header, on every request.
    if (multi) {
      for (const name in multi) {
        const values = multi[name];
        if (values) for (const v of values) headers.append(name, v);
      }
    }
    if (single) {
      for (const name in single) {
        const value = single[name];
        // API Gateway names every header of `headers` in `multiValueHeaders` too, spelled the same.
        if (value !== undefined && !multi?.[name]?.length && !headers.has(name)) headers.append(name, value);
      }
    }
    return headers;
  }

  append(name: string, value: string): this {
    const key = name.toLowerCase();
    const list = this.map.get(key);
    if (list) list.push(value);
    else this.map.set(key, [value]);
    return this;
  }

  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }

  /** The first value, or undefined. */
  get(name: string): string | undefined {
    return this.map.get(name.toLowerCase())?.[0];
  }

  all(name: string): readonly string[] {
    return this.map.get(name.toLowerCase()) ?? [];
  }

  /**
   * The header's single value: `missing` when absent, `ambiguous` when sent several times with
   * different values (a signature header must be unambiguous).
   */
  single(name: string): string | 'missing' | 'ambiguous' {
    const list = this.map.get(name.toLowerCase());
    if (!list || list.length === 0) return 'missing';
    const first = list[0]!;
    return list.length === 1 || list.every((v) => v === first) ? first : 'ambiguous';
  }

  names(): string[] {
    return [...this.map.keys()];
  }

  /** Lower-cased names; repeated headers joined with `, ` (what CEL's `headers` sees). */
  toRecord(): Record<string, string> {
    const out: Record<string, string> = {};
    // forEach rather than for…of over entries: no [name, values] pair per header.
    this.map.forEach((values, name) => {
      out[name] = values.length === 1 ? values[0]! : values.join(', ');
    });
    return out;
  }
}
