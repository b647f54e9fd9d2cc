// What a bundle is made of, from esbuild's metafile. Pure; tested in test/bench/harness.test.ts.
import { isBuiltin } from 'node:module';

export interface Contributor {
  /** An npm package (`@marcbachmann/cel-js`) or a source folder (`lambdas/core/cel`). */
  readonly name: string;
  readonly bytes: number;
}

/** The group an input file belongs to: its npm package, else its folder (at most three levels). */
export function contributorOf(input: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (pkg) return pkg[1]!;
  const parts = input.split('/');
  return parts.length > 1 ? parts.slice(0, Math.min(3, parts.length - 1)).join('/') : input;
}

/** Bytes in the output per contributor, largest first; the rest summed as `other`. */
export function topContributors(
  inputs: Readonly<Record<string, { readonly bytesInOutput: number }>>,
  count: number,
): Contributor[] {
  const bytes = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(inputs)) {
    const name = contributorOf(input);
    bytes.set(name, (bytes.get(name) ?? 0) + bytesInOutput);
  }
  const sorted = [...bytes].map(([name, b]) => ({ name, bytes: b })).sort((a, b) => b.bytes - a.bytes);
  const top = sorted.slice(0, count);
  const rest = sorted.slice(count).reduce((sum, c) => sum + c.bytes, 0);
  return rest > 0 ? [...top, { name: 'other', bytes: rest }] : top;
}

/** The npm packages an output imports at run time (its externals, Node.js built-ins excluded). */
export function externalPackages(imports: readonly { path: string; external?: boolean }[]): string[] {
  const names = new Set<string>();
  for (const i of imports) {
    if (!i.external || isBuiltin(i.path)) continue;
    const match = /^(?:@[^/]+\/)?[^/]+/.exec(i.path);
    if (match) names.add(match[0]);
  }
  return [...names].sort();
}
