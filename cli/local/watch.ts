import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';

/** Folders whose changes never change the app: dependencies, synth output, the gateway's own state. */
export const IGNORED_FOLDERS: ReadonlySet<string> = new Set(['node_modules', 'cdk.out', '.webhook-gateway', '.git']);

export interface AppWatcher {
  close(): void;
}

/**
 * Calls `onChange` once the app's folder has been quiet for `debounceMs` after a change. The folder
 * itself is watched, and each of its subfolders recursively, except IGNORED_FOLDERS and `ignore`
 * (a recursive watch of the folder would walk node_modules too); a subfolder created later is
 * watched from then on.
 */
export function watchApp(
  dir: string,
  onChange: (files: readonly string[]) => void,
  options: { readonly debounceMs?: number; readonly ignore?: readonly string[] } = {},
): AppWatcher {
  const ignored = new Set([...IGNORED_FOLDERS, ...(options.ignore ?? [])]);
  const watchers = new Map<string, FSWatcher>();
  let changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const changedFile = (file: string) => {
    if (closed) return;
    changed.add(file);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const files = [...changed];
      changed = new Set();
      onChange(files);
    }, options.debounceMs ?? 300);
  };
  const watchFolder = (name: string) => {
    if (watchers.has(name) || ignored.has(name) || name.startsWith('.')) return;
    try {
      if (!statSync(join(dir, name)).isDirectory()) return;
      const watcher = watch(join(dir, name), { recursive: true }, (_event, file) =>
        changedFile(join(name, String(file ?? ''))),
      );
      watcher.on('error', () => watchers.delete(name));
      watchers.set(name, watcher);
    } catch {
      // Not a folder (any more).
    }
  };
  const top = watch(dir, (_event, file) => {
    const name = String(file ?? '');
    if (ignored.has(name)) return;
    watchFolder(name);
    changedFile(name);
  });
  for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) watchFolder(entry.name);

  return {
    close() {
      closed = true;
      clearTimeout(timer);
      top.close();
      for (const watcher of watchers.values()) watcher.close();
    },
  };
}
