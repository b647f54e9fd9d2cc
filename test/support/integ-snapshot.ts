import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

/** The integration test app and its committed snapshot (integ-runner's layout: `<file>.snapshot/`). */
export const INTEG_APP = resolve('test/integ/integ.gateway.ts');
export const INTEG_SNAPSHOT = `${INTEG_APP}.snapshot`;
export const UPDATE_COMMAND = 'npm run integ:snapshot';

/**
 * Synthesizes the integration test app into `outdir` offline, as a child process the way the CDK
 * CLI runs an app. With `bundle`, its Lambda functions are bundled by the local esbuild (never
 * Docker); without, the templates are the same but for asset hashes, which the comparison
 * ignores. The CDK's built-in template validation is skipped: it does not change templates.
 */
export function synthesizeIntegApp(outdir: string, options: { bundle: boolean }): void {
  const { PATH, HOME } = process.env;
  execFileSync(process.execPath, ['--import', 'tsx', INTEG_APP], {
    env: {
      PATH,
      HOME,
      CDK_OUTDIR: outdir,
      CDK_VALIDATION: 'false',
      ...(!options.bundle && { CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [] }) }),
    },
    stdio: 'pipe',
  });
}

/**
 * What is kept of a synthesis: the manifests and templates. Lambda bundles and the construct
 * tree are not (the test stacks skip integ-runner's update workflow, which would deploy them).
 */
const KEPT = /^(manifest\.json|integ\.json|cdk\.out|.+\.template\.json|.+\.assets\.json)$/;

export function writeSnapshot(synthesized: string, snapshot = INTEG_SNAPSHOT): void {
  rmSync(snapshot, { recursive: true, force: true });
  mkdirSync(snapshot, { recursive: true });
  for (const file of readdirSync(synthesized))
    if (KEPT.test(file)) copyFileSync(join(synthesized, file), join(snapshot, file));
}

/** Asset hashes, and the code hash in the logical id of a function's `currentVersion`. */
const HASHES: [RegExp, string][] = [
  [/[0-9a-f]{64}/g, '<asset-hash>'],
  [/(CurrentVersion[0-9A-F]{8})[0-9a-f]{32}/g, '$1<code-hash>'],
];
const unhash = (text: string) => HASHES.reduce((t, [pattern, to]) => t.replace(pattern, to), text);

/**
 * As integ-runner compares snapshots: what depends on the Lambda bundles is ignored (they differ
 * between machines and esbuild versions), and so is the assertion custom resources' `salt` (a
 * timestamp that makes them run on every deployment).
 */
function normalize(value: unknown, key?: string): unknown {
  if (typeof value === 'string') return key === 'salt' ? '<salt>' : unhash(value);
  if (Array.isArray(value)) return value.map((v) => normalize(v));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [unhash(k), normalize(v, k)]));
  return value;
}

function compared(directory: string): Map<string, unknown> {
  if (!existsSync(directory)) return new Map();
  return new Map(
    readdirSync(directory)
      .filter((f) => f.endsWith('.template.json') || f === 'integ.json')
      .map((f) => [f, normalize(JSON.parse(readFileSync(join(directory, f), 'utf8')))]),
  );
}

/** The first path at which two JSON values differ. */
function firstDifference(a: unknown, b: unknown, path: string): string {
  if (
    a !== null &&
    b !== null &&
    typeof a === 'object' &&
    typeof b === 'object' &&
    Array.isArray(a) === Array.isArray(b)
  ) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      const [x, y] = [(a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]];
      if (!isDeepStrictEqual(x, y)) return firstDifference(x, y, `${path}.${key}`);
    }
  }
  return path;
}

/**
 * The differences between a synthesis and the snapshot, one line each, in the style of
 * integ-runner's report: `[+]` added, `[-]` removed, `[~]` changed (with the first changed path).
 */
export function snapshotDifferences(synthesized: string, snapshot = INTEG_SNAPSHOT): string[] {
  const [actual, expected] = [compared(synthesized), compared(snapshot)];
  const lines: string[] = [];
  for (const file of new Set([...expected.keys(), ...actual.keys()])) {
    const [a, e] = [actual.get(file), expected.get(file)];
    if (e === undefined) lines.push(`[+] ${file}`);
    else if (a === undefined) lines.push(`[-] ${file}`);
    else if (!isDeepStrictEqual(a, e)) {
      const sections = (t: unknown) => (t ?? {}) as Record<string, Record<string, unknown> | undefined>;
      const [as, es] = [sections(a), sections(e)];
      let detailed = false;
      for (const section of ['Resources', 'Outputs', 'Parameters', 'Conditions', 'Mappings']) {
        const [x, y] = [as[section] ?? {}, es[section] ?? {}];
        for (const id of new Set([...Object.keys(y), ...Object.keys(x)])) {
          if (isDeepStrictEqual(x[id], y[id])) continue;
          detailed = true;
          const mark = y[id] === undefined ? '[+]' : x[id] === undefined ? '[-]' : '[~]';
          const where = mark === '[~]' ? firstDifference(x[id], y[id], '') : '';
          lines.push(`${mark} ${file} ${section}.${id}${where}`);
        }
      }
      if (!detailed) lines.push(`[~] ${file}${firstDifference(a, e, '')}`);
    }
  }
  return lines;
}
