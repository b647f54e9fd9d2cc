import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CliError } from '../errors';

const require = createRequire(import.meta.url);

/** dynalite's own LevelDB binding (`level`, a dependency of dynalite), so that both open the store alike. */
interface LevelDb {
  open(): Promise<void>;
  close(): Promise<void>;
}
const Level = createRequire(require.resolve('dynalite'))('level').Level as new (path: string) => LevelDb;

/** The layout of the data folder; a folder of another layout is refused, never rewritten. */
export const DATA_FORMAT = 1;
const FORMAT_FILE = 'format.json';

/**
 * Where the local gateway keeps what outlives it, under the state directory:
 * `data/dynamodb` (dynalite's LevelDB store: config, history, dedup and waiter tables),
 * `data/executions` (one JSON file per workflow execution), `data/configs.json` (the config each
 * gateway was last given, so that webhooks removed from the app are removed from its config table)
 * and `data/queues.json` (messages still queued at a graceful stop).
 */
export interface DataDir {
  readonly root: string;
  readonly dynamodb: string;
  readonly executions: string;
  readonly configs: string;
  /** The queues' messages between a graceful stop and the next start (kept-queues.ts). */
  readonly queues: string;
}

export function dataDirOf(stateDir: string): DataDir {
  const root = join(stateDir, 'data');
  return {
    root,
    dynamodb: join(root, 'dynamodb'),
    executions: join(root, 'executions'),
    configs: join(root, 'configs.json'),
    queues: join(root, 'queues.json'),
  };
}

/**
 * The state directory ignores itself (as a virtualenv's `.venv` does): nothing in it belongs in
 * git, and a project need not list it in its own .gitignore.
 */
export function ignoreStateDir(stateDir: string): void {
  mkdirSync(stateDir, { recursive: true });
  const file = join(stateDir, '.gitignore');
  // Never in a project's own folder (`--state-dir .`): it would ignore the whole project.
  const project = ['cdk.json', 'package.json', '.git'].some((name) => existsSync(join(stateDir, name)));
  if (!project && !existsSync(file))
    writeFileSync(file, '# Written by webhook-gateway local: local state, never committed.\n*\n');
}

/**
 * Opens the data folder for one gateway process: checks its format, then opens its LevelDB store
 * once to learn that no other process holds it (LevelDB's LOCK file) and that it is readable, and
 * closes it again for dynalite to open. Each failure is a CliError that says what to do.
 */
export async function openDataDir(stateDir: string): Promise<DataDir> {
  const dir = dataDirOf(stateDir);
  const formatFile = join(dir.root, FORMAT_FILE);
  const reset = `delete it (rm -rf ${dir.root}) to start with an empty history, or pass --in-memory`;
  if (existsSync(formatFile)) {
    let format: unknown;
    try {
      format = (JSON.parse(readFileSync(formatFile, 'utf8')) as { format?: unknown }).format;
    } catch {
      throw new CliError(`the data folder ${dir.root} is damaged (${FORMAT_FILE} is not JSON): ${reset}`);
    }
    if (format !== DATA_FORMAT) {
      throw new CliError(
        `the data folder ${dir.root} has format ${JSON.stringify(format)}, this version reads format ${DATA_FORMAT}: use the version that wrote it, or ${reset}`,
      );
    }
  } else if (existsSync(dir.root) && readdirSync(dir.root).length > 0) {
    throw new CliError(
      `the data folder ${dir.root} was not written by webhook-gateway local (no ${FORMAT_FILE}): ${reset}`,
    );
  }
  mkdirSync(dir.executions, { recursive: true });
  writeFileSync(formatFile, `${JSON.stringify({ format: DATA_FORMAT })}\n`);

  const db = new Level(dir.dynamodb);
  try {
    await db.open();
  } catch (error) {
    const why = String((error as { cause?: Error }).cause?.message ?? (error as Error).message);
    if (/\block\b/i.test(why)) {
      throw new CliError(
        `another webhook-gateway local uses the data folder ${dir.root}: stop it, or pass --state-dir DIR (or --in-memory) to run a second one`,
      );
    }
    throw new CliError(`the data folder ${dir.root} cannot be opened (${why}): ${reset}`);
  }
  await db.close();
  return dir;
}

/** The config each gateway (by `<stack>/<id>`) was last given: configs.json, or nothing. */
export function readLastConfigs(dir: DataDir | undefined): Record<string, unknown> {
  if (!dir || !existsSync(dir.configs)) return {};
  try {
    return JSON.parse(readFileSync(dir.configs, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export function writeLastConfigs(dir: DataDir | undefined, configs: Record<string, unknown>): void {
  if (dir) writeFileSync(dir.configs, JSON.stringify(configs));
}
