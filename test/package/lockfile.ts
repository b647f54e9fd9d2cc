import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
  link?: boolean;
  [key: string]: unknown;
}

interface Lockfile {
  packages: Record<string, LockEntry>;
}

/** A package to install from a tarball built here: its manifest and the tarball's path relative to the app. */
export interface LocalTarball {
  readonly manifest: LockEntry & { name: string; version: string };
  readonly file: string;
  readonly tarball: string;
}

/**
 * A package-lock.json for a consumer app, cut from this repository's: every package the app's
 * dependencies reach, at the same place and version as here (so `npm ci --offline` finds each
 * tarball in the npm cache that `npm ci` of this repository filled), plus the tarballs built here.
 * A registry install resolves names through package documents the cache does not hold; a lockfile
 * needs only the tarballs.
 */
export function consumerLockfile(
  root: string,
  app: { name: string; dependencies: Record<string, string>; devDependencies: Record<string, string> },
  tarballs: readonly LocalTarball[],
): Lockfile {
  const repo = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as Lockfile;
  const local = new Map(tarballs.map((t) => [t.manifest.name, t]));
  const packages: Record<string, LockEntry> = {
    '': { name: app.name, dependencies: app.dependencies, devDependencies: app.devDependencies },
  };

  /** Where Node would find `name` from the package at `from` in the repository's tree. */
  const locate = (from: string, name: string): string | undefined => {
    for (let at = from; ;) {
      const candidate = `${at ? `${at}/` : ''}node_modules/${name}`;
      if (local.has(name) && at === '') return candidate;
      if (repo.packages[candidate]) return candidate;
      if (at === '') return undefined;
      at = at.replace(/\/?node_modules\/(?:@[^/]+\/)?[^/]+$/, '');
    }
  };

  const queue: string[] = [];
  const visit = (from: string, deps: Record<string, string> | undefined, optional: (name: string) => boolean) => {
    for (const name of Object.keys(deps ?? {})) {
      const path = locate(from, name);
      if (!path) {
        if (optional(name)) continue;
        throw new Error(`${name} (needed by ${from || 'the app'}) is not in this repository's package-lock.json`);
      }
      if (packages[path]) continue;
      const tarball = local.get(name);
      if (tarball) {
        const { name: _name, ...manifest } = tarball.manifest;
        const bytes = readFileSync(tarball.file);
        packages[path] = {
          version: manifest.version,
          resolved: `file:${tarball.tarball}`,
          integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
          ...(manifest.dependencies && { dependencies: manifest.dependencies }),
          ...(manifest.peerDependencies && { peerDependencies: manifest.peerDependencies }),
          ...(manifest.bin && { bin: manifest.bin }),
          ...(manifest.engines && { engines: manifest.engines }),
        };
      } else {
        const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = repo.packages[path]!;
        packages[path] = entry;
      }
      queue.push(path);
    }
  };
  visit('', { ...app.dependencies, ...app.devDependencies }, () => false);
  while (queue.length > 0) {
    const path = queue.shift()!;
    const entry = packages[path]!;
    visit(path, entry.dependencies, () => false);
    visit(path, entry.optionalDependencies, () => true);
    visit(path, entry.peerDependencies, (name) => entry.peerDependenciesMeta?.[name]?.optional === true);
  }
  return { name: app.name, lockfileVersion: 3, requires: true, packages } as Lockfile;
}
