import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** A CloudFormation template as synthesized (only what the local tools read). */
export interface Template {
  readonly Resources?: Record<string, TemplateResource>;
  readonly Outputs?: Record<string, { Value: unknown; Description?: string; Export?: { Name: unknown } }>;
}

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

/** One stack of the assembly with its nested stacks' templates, keyed by the nested stack's logical id. */
export interface AssemblyStack {
  readonly stackName: string;
  readonly template: Template;
  readonly nested: Readonly<Record<string, Template>>;
}

export class SynthError extends Error {
  constructor(
    message: string,
    options?: { cause?: unknown },
    /** The app's whole error output (printed with WEBHOOK_GATEWAY_DEBUG=1). */
    readonly output?: string,
  ) {
    super(message, options);
    this.name = 'SynthError';
  }
}

/** Lines of a thrown error as Node prints them: `TypeError: …`, `Error [ERR_MODULE_NOT_FOUND]: …`, `«X» …: …`. */
const ERROR_LINE = /^(?:«\w+»\s*)?[A-Z]?\w*(?:Error|Exception)(?: \[[\w-]+\])?:\s/;

/** npm's own lines (`npm error …`, `npm ERR! …`): what npx says when it could not run the command. */
const NPM_LINE = /^npm (?:error|ERR!)\s?/i;
/** npm's pointer to its debug log: never the cause. */
const NPM_LOG_LINE = /^npm (?:error|ERR!) A complete log of this run can be found in/i;

/**
 * What a failed app's error output says is wrong, on one line: CDK's validation errors (`[path]
 * message`), a validation plugin's findings (cdk-nag: `ERROR message` then the construct path), or
 * the error it threw; else its last line of its own; else what npm said (npx could not run the
 * command: `npx canceled due to missing packages …`), without npm's pointer to its log.
 */
export function appErrorSummary(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^npm (warn|notice)\b/i.test(l) && !NPM_LOG_LINE.test(l));
  const start = lines.findIndex((l) => l.includes('Validation failed with the following errors:'));
  const validation = start < 0 ? [] : lines.slice(start + 1).filter((l) => l.startsWith('['));
  if (validation.length > 0) return validation.join('; ');
  const findings = lines.flatMap((l, i) => {
    if (!l.startsWith('ERROR ')) return [];
    const rule = /^Acknowledge with '(?:[^:']+::)?([^']+)'/.exec(lines[i + 2] ?? '')?.[1];
    return [`${lines[i + 1]?.split(' ')[0] ?? ''}: ${l.slice(6)}${rule ? ` [${rule}]` : ''}`];
  });
  if (findings.length > 0) return findings.join('; ');
  const error = lines.findIndex((l) => ERROR_LINE.test(l));
  if (error >= 0) return lines[error]!.endsWith(':') ? `${lines[error]} ${lines[error + 1] ?? ''}` : lines[error]!;
  const own = lines.filter((l) => !NPM_LINE.test(l));
  if (own.length > 0) return own.at(-1)!;
  // npm's first sentence, past its `code ENOENT`, `path …` details.
  const npm = lines
    .map((l) => l.replace(NPM_LINE, ''))
    .find((l) => !/^(?:code|syscall|path|errno)\s/.test(l) && l.split(/\s+/).length >= 3);
  return npm !== undefined ? `npm: ${npm}` : (lines.at(-1)?.replace(NPM_LINE, '') ?? 'no error output');
}

/** The app command from cdk.json in `cwd`, as the cdk CLI reads it. */
export function appFromCdkJson(cwd: string): string {
  const file = join(cwd, 'cdk.json');
  if (!existsSync(file))
    throw new SynthError(`no cdk.json in ${cwd}: pass --app '<command>' (as the cdk CLI takes it)`);
  const app = (JSON.parse(readFileSync(file, 'utf8')) as { app?: unknown }).app;
  if (typeof app !== 'string' || app.trim() === '') throw new SynthError(`cdk.json in ${cwd} has no "app" command`);
  return app;
}

function contextFromCdkJson(cwd: string): Record<string, unknown> {
  const read = (name: string) => {
    const file = join(cwd, name);
    if (!existsSync(file)) return {};
    const json = JSON.parse(readFileSync(file, 'utf8')) as { context?: Record<string, unknown> };
    return name === 'cdk.json' ? (json.context ?? {}) : (json as Record<string, unknown>);
  };
  return { ...read('cdk.json'), ...read('cdk.context.json') };
}

/**
 * Synthesizes `app` — a command (as in cdk.json) or an existing cloud assembly directory — the way
 * the cdk CLI does, without Lambda bundling (the local gateway runs the handler sources directly)
 * and without the built-in CloudFormation schema validation (`cdk synth --no-validation`: it takes
 * seconds and the local gateway does not deploy). Construct validations still fail synthesis.
 * Aborting `signal` stops the app's whole process group.
 */
export async function synthesize(
  options: { app?: string; cwd?: string; signal?: AbortSignal } = {},
): Promise<AssemblyStack[]> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const app = options.app ?? appFromCdkJson(cwd);
  const asDir = resolve(cwd, app);
  if (existsSync(join(asDir, 'manifest.json'))) return readAssembly(asDir);

  const outdir = mkdtempSync(join(tmpdir(), 'webhook-gateway-synth-'));
  // As the cdk CLI: asset metadata on, so nested stack templates can be found.
  const context = {
    ...contextFromCdkJson(cwd),
    'aws:cdk:enable-asset-metadata': true,
    'aws:cdk:bundling-stacks': [],
  };
  try {
    await runApp(app, cwd, outdir, context, options.signal);
    return readAssembly(outdir);
  } finally {
    // Everything the local tools read is in memory by now.
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Runs the app as the cdk CLI does (CDK_OUTDIR, CDK_CONTEXT_JSON), in its own process group. */
function runApp(
  app: string,
  cwd: string,
  outdir: string,
  context: Record<string, unknown>,
  signal: AbortSignal | undefined,
): Promise<void> {
  return new Promise<void>((done, fail) => {
    const child = spawn(app, {
      cwd,
      shell: true,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        CDK_VALIDATION: 'false',
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify(context),
      },
    });
    const stop = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    };
    signal?.addEventListener('abort', stop, { once: true });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (cause) => fail(new SynthError(`could not run the app "${app}": ${cause.message}`, { cause })));
    child.on('exit', (code, killedBy) => {
      signal?.removeEventListener('abort', stop);
      if (code === 0) return done();
      const why = killedBy ? `stopped by ${killedBy}` : `exit ${code}`;
      const summary = appErrorSummary(stderr);
      fail(
        new SynthError(
          `the app "${app}" failed to synthesize (${why}): ${summary.replace(/\.$/, '')}. Fix it and run again (WEBHOOK_GATEWAY_DEBUG=1 prints the app's whole output)`,
          undefined,
          stderr,
        ),
      );
    });
  });
}

interface Manifest {
  artifacts?: Record<string, { type: string; properties?: { templateFile?: string; stackName?: string } }>;
}

/** Reads the stacks of a cloud assembly directory. */
export function readAssembly(dir: string): AssemblyStack[] {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const stacks: AssemblyStack[] = [];
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
    const template = readJson<Template>(join(dir, artifact.properties.templateFile));
    stacks.push({ stackName: artifact.properties.stackName ?? id, template, nested: readNested(dir, template) });
  }
  if (stacks.length === 0) throw new SynthError(`the cloud assembly in ${dir} has no stacks`);
  return stacks;
}

function readNested(dir: string, template: Template): Record<string, Template> {
  const nested: Record<string, Template> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::CloudFormation::Stack') continue;
    const assetPath = resource.Metadata?.['aws:asset:path'];
    if (typeof assetPath !== 'string') continue;
    const child = readJson<Template>(join(dir, assetPath));
    nested[logicalId] = child;
    for (const [grandId, grand] of Object.entries(readNested(dir, child))) nested[`${logicalId}/${grandId}`] = grand;
  }
  return nested;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}
