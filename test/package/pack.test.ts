import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { sign } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHandlers, buildPackages, CLI, LIBRARY } from '../../scripts/build';
import type { DeliveryLine } from '../../cli/output';
import type { DevSecrets } from '../../cli/secrets/dev';
import { REPO } from '../cli/support';
import { consumerLockfile, type LocalTarball } from './lockfile';

/**
 * The packages as users get them: `npm run build`, `npm pack`, installed into two new CDK apps (a
 * TypeScript app as `cdk init app --language typescript` makes it, and a JavaScript ES module app),
 * synthesized with the repository's cdk CLI and cdk-nag, and the installed CLI serving one locally.
 */
const run = promisify(execFile);
const CDK = join(REPO, 'node_modules/.bin/cdk');
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const lockedVersion = (name: string) =>
  (
    JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string }>;
    }
  ).packages[`node_modules/${name}`]!.version;

/** A PATH with node and the system tools only: no esbuild anywhere on it. */
const PATH_WITHOUT_ESBUILD = [dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter);

let work: string;
let library: string;
const tarballs: LocalTarball[] = [];

const STACK = `
const app = new App();
const stack = new Stack(app, 'Consumer');
const gateway = new WebhookGateway(stack, 'Webhooks');
gateway.addWebhook('github', {
  source: WebhookSource.github(),
  eventKey: "'github:' + headers['x-github-event']",
});
const onPush = new sfn.StateMachine(stack, 'OnPush', {
  definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Received')),
  tracingEnabled: true,
  logs: {
    destination: new logs.LogGroup(stack, 'OnPushLogs', { encryptionKey: gateway.encryptionKey }),
    level: sfn.LogLevel.ALL,
  },
});
Validations.of(onPush).acknowledge({
  id: 'AwsSolutions-IAM5[Resource::*]',
  reason: 'X-Ray tracing and CloudWatch Logs delivery do not support resource-level permissions.',
});
gateway.route('github:push', onPush);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
`;
const IMPORTS = `import { App, Stack, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { WebhookGateway, WebhookSource } from 'aws-webhook-gateway';
`;

interface ConsumerApp {
  readonly dir: string;
  readonly files: Record<string, string>;
  readonly dependencies: Record<string, string>;
  readonly devDependencies: Record<string, string>;
  readonly type?: 'module';
}

/** As `cdk init app --language typescript` writes it (tsc, then tsx), without the jest scaffolding. */
const typescriptApp = (dir: string): ConsumerApp => ({
  dir,
  dependencies: {},
  devDependencies: {
    '@types/node': lockedVersion('@types/node'),
    tsx: lockedVersion('tsx'),
    typescript: lockedVersion('typescript'),
  },
  files: {
    'cdk.json': JSON.stringify({ app: 'npx tsc && npx tsx bin/app.ts' }),
    'tsconfig.json': JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['es2022'],
        declaration: true,
        strict: true,
        noImplicitReturns: true,
        experimentalDecorators: true,
        strictPropertyInitialization: false,
        skipLibCheck: true,
        typeRoots: ['./node_modules/@types'],
        noEmit: true,
        isolatedModules: true,
        types: ['node'],
      },
      exclude: ['node_modules', 'cdk.out'],
    }),
    'bin/app.ts': `#!/usr/bin/env node\n${IMPORTS}${STACK}`,
  },
});

const javascriptApp = (dir: string): ConsumerApp => ({
  dir,
  type: 'module',
  dependencies: {},
  devDependencies: {},
  files: {
    'cdk.json': JSON.stringify({ app: 'node bin/app.mjs' }),
    'bin/app.mjs': `${IMPORTS}${STACK}`,
    // The library's CommonJS, imported by name from an ES module.
    'check-import.mjs': `import { WebhookGateway, WebhookSource } from 'aws-webhook-gateway';
console.log(JSON.stringify([typeof WebhookGateway, typeof WebhookSource.github]));
`,
  },
});

/** Writes the app and installs it with `npm ci --offline` from a lockfile cut from this repository's. */
async function install(app: ConsumerApp): Promise<void> {
  const manifest = {
    name: `consumer-${relative(work, app.dir)}`,
    dependencies: {
      'aws-cdk-lib': lockedVersion('aws-cdk-lib'),
      constructs: lockedVersion('constructs'),
      [LIBRARY]: `file:../${LIBRARY}-${VERSION}.tgz`,
      ...app.dependencies,
    },
    devDependencies: {
      [CLI]: `file:../${CLI}-${VERSION}.tgz`,
      'cdk-nag': lockedVersion('cdk-nag'),
      ...app.devDependencies,
    },
  };
  for (const [file, text] of Object.entries(app.files)) {
    mkdirSync(dirname(join(app.dir, file)), { recursive: true });
    writeFileSync(join(app.dir, file), text);
  }
  writeFileSync(
    join(app.dir, 'package.json'),
    JSON.stringify({ ...manifest, version: '0.0.0', private: true, ...(app.type && { type: app.type }) }, null, 2),
  );
  writeFileSync(
    join(app.dir, 'package-lock.json'),
    JSON.stringify(consumerLockfile(REPO, manifest, tarballs), null, 2),
  );
  await run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app.dir });
}

/** `cdk synth` of the app, with no esbuild on the PATH; its assembly's asset directories by name. */
async function synth(dir: string): Promise<Map<string, string>> {
  await run(CDK, ['synth', '--quiet', '--no-validation', '--no-notices'], {
    cwd: dir,
    env: { ...process.env, PATH: `${join(dir, 'node_modules/.bin')}${delimiter}${PATH_WITHOUT_ESBUILD}` },
  });
  const out = join(dir, 'cdk.out');
  const assets = readdirSync(out).filter((f) => f.startsWith('asset.') && statSync(join(out, f)).isDirectory());
  return new Map(assets.map((a) => [a, join(out, a)]));
}

/** A directory's files and their SHA-256, sorted by path (`except` left out). */
function digest(dir: string, except?: RegExp): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!except?.test(entry.name))
        files[relative(dir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(dir);
  return files;
}

const ts = () => join(work, 'ts');
const js = () => join(work, 'js');

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'webhook-gateway-pack-'));
  const built = await buildPackages();
  library = built.library;
  for (const [name, dir] of [
    [LIBRARY, built.library],
    [CLI, built.cli],
  ] as const) {
    await run('npm', ['pack', dir, '--pack-destination', work, '--silent'], { cwd: work });
    tarballs.push({
      manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as LocalTarball['manifest'],
      file: join(work, `${name}-${VERSION}.tgz`),
      tarball: `../${name}-${VERSION}.tgz`,
    });
  }
  await Promise.all([install(typescriptApp(ts())), install(javascriptApp(js()))]);
}, 300_000);

// Two apps' node_modules: removing them takes long on a busy disk.
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
}, 180_000);

describe('the npm packages', () => {
  it('bundle identical handlers from identical sources', async () => {
    // At the depth of the package's own handlers: source maps name the sources relative to themselves.
    const again = join(REPO, 'dist', 'handlers-again');
    try {
      await buildHandlers(again);
      expect(digest(join(again, 'handlers'))).toEqual(digest(join(library, 'handlers')));
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
    const maps = readdirSync(join(library, 'handlers')).map((fn) =>
      readFileSync(join(library, 'handlers', fn, 'index.mjs.map'), 'utf8'),
    );
    for (const map of maps) expect(map).not.toContain(REPO);
  });

  it('declare engines every runtime dependency allows, peers at the versions tested, and no emulator in the library', () => {
    const installed = (dir: string, name: string) =>
      JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as {
        engines?: { node?: string };
        dependencies?: Record<string, string>;
        peerDependencies?: Record<string, string>;
      };
    const lib = installed(js(), LIBRARY);
    const cli = installed(js(), CLI);
    expect(lib.engines).toEqual({ node: '>=20.19' });
    expect(cli.engines).toEqual({ node: '>=20.19' });
    expect(lib.peerDependencies).toEqual({
      'aws-cdk-lib': `^${lockedVersion('aws-cdk-lib')}`,
      constructs: `^${lockedVersion('constructs')}`,
    });
    expect(Object.keys(lib.dependencies ?? {}).sort()).toEqual(['@marcbachmann/cel-js', 'jose', 're2js']);
    expect(Object.keys(cli.dependencies ?? {})).not.toContain('aws-local-stepfunctions');
    for (const name of [...Object.keys(lib.dependencies ?? {}), ...Object.keys(cli.dependencies ?? {})]) {
      const floor = /^>=\s*(\d+)(?:\.(\d+))?/.exec(installed(js(), name).engines?.node ?? '>=0');
      expect(floor, `${name} engines`).not.toBeNull();
      const [major, minor] = [Number(floor![1]), Number(floor![2] ?? 0)];
      expect(major < 20 || (major === 20 && minor <= 19), `${name} requires node ${floor![0]}`).toBe(true);
    }
    expect(readFileSync(join(js(), 'node_modules', CLI, 'THIRD-PARTY-LICENSES.txt'), 'utf8')).toMatch(
      /^aws-local-stepfunctions@\S+\n\nMIT License/m,
    );
  });

  it('import by name from an ES module', async () => {
    const { stdout } = await run(process.execPath, ['check-import.mjs'], { cwd: js() });
    expect(JSON.parse(stdout)).toEqual(['function', 'function']);
  });

  it.each([
    ['a TypeScript app (tsc checks the declarations)', ts],
    ['a JavaScript ES module app', js],
  ])(
    'synthesize %s with the shipped handlers, cdk-nag clean, without esbuild',
    async (_name, dir) => {
      await expect(run('esbuild', ['--version'], { env: { PATH: PATH_WITHOUT_ESBUILD } })).rejects.toThrow();
      const assets = [...(await synth(dir())).values()].map((asset) => digest(asset));
      const shipped = join(dir(), 'node_modules', LIBRARY, 'handlers');
      // The waiter function exists only in gateways that wait for webhooks (waitForWebhook).
      const used = readdirSync(shipped).filter((fn) => fn !== 'waiter');
      expect(used).toHaveLength(5);
      // Source maps are shipped, and left out of a function's asset unless it asks for them (sourceMaps).
      for (const fn of used) expect(assets, fn).toContainEqual(digest(join(shipped, fn), /\.map$/));
    },
    120_000,
  );

  it('serve the app with the installed CLI, and its send, history, replay, secret, test, executions and doctor work on it', async () => {
    const stateDir = join(work, 'state');
    const bin = join(js(), 'node_modules/.bin/webhook-gateway');
    const env = {
      ...process.env,
      PATH: `${join(js(), 'node_modules/.bin')}${delimiter}${PATH_WITHOUT_ESBUILD}`,
      NO_COLOR: '1',
    };
    /** The installed command on the running local gateway; rejects on a non-zero exit. */
    const cli = async (...args: string[]) =>
      (await run(bin, [...args, '--state-dir', stateDir], { cwd: js(), env, timeout: 60_000 })).stdout;
    const child = spawn(bin, ['local', '--json', '--dev-secrets', '--port', '0', '--state-dir', stateDir], {
      cwd: js(),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const until = async <T>(what: string, value: () => T | undefined): Promise<T> => {
      for (const end = Date.now() + 60_000; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
        const found = value();
        if (found !== undefined) return found;
        if (child.exitCode !== null) break;
      }
      throw new Error(`${what}: none\n${stderr}`);
    };
    try {
      const state = await until('the gateway state', () =>
        existsSync(join(stateDir, 'gateway.json')) && existsSync(join(stateDir, 'dev-secrets.json'))
          ? (JSON.parse(readFileSync(join(stateDir, 'gateway.json'), 'utf8')) as { url: string })
          : undefined,
      );
      const secrets = JSON.parse(readFileSync(join(stateDir, 'dev-secrets.json'), 'utf8')) as DevSecrets;
      const secret = String(secrets.github!.secret);
      const body = JSON.stringify({ ref: 'refs/heads/main', repository: { full_name: 'octo/app' } });
      const response = await fetch(`${state.url}/webhooks/github`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': 'a6b0c1d2-0000-4000-8000-000000000001',
          'x-hub-signature-256': await sign(secret, body),
        },
      });
      expect(response.status).toBe(202);
      const line = await until('a delivery line', () =>
        stdout
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as DeliveryLine)
          .find((l) => l.executions.length > 0),
      );
      expect(line).toMatchObject({ webhook: 'github', status: 'accepted', eventKey: 'github:push' });
      expect(line.executions[0]).toMatch(/^arn:aws:states:[^:]+:\d+:execution:OnPush/);

      // send: signed with the development secret, as GitHub signs.
      expect(await cli('send', 'github', '--event', 'push')).toMatch(/^202 \{"id":"[^"]+","status":"accepted"\}/);
      // history: both deliveries, newest first, one JSON item per line.
      const history = (await cli('history', 'github', '--json'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { deliveryId: string; status: string; eventKey: string });
      expect(history).toHaveLength(2);
      expect(history[1]).toMatchObject({
        deliveryId: 'a6b0c1d2-0000-4000-8000-000000000001',
        status: 'enqueued',
        eventKey: 'github:push',
      });
      // replay: a new delivery that starts the workflow again.
      const replayed = await cli('replay', 'github', 'a6b0c1d2-0000-4000-8000-000000000001');
      expect(replayed).toMatch(
        /^replayed github a6b0c1d2-0000-4000-8000-000000000001 as a6b0c1d2-0000-4000-8000-000000000001#replay-1: accepted \(github:push\), 1 route\(s\)\nstarted /,
      );
      expect(replayed).toMatch(/\narn:aws:states:[^:]+:\d+:execution:OnPush/);
      // secret: the development secret, then a new value the running gateway verifies with at once.
      expect((await cli('secret', 'get', 'github')).trim()).toBe(secret);
      await cli('secret', 'set', 'github', 'rotated-by-the-installed-cli');
      expect((await cli('secret', 'get', 'github')).trim()).toBe('rotated-by-the-installed-cli');
      // test: the dry run of a sample event through the app's CEL and routes.
      const dryRun = await cli('test', 'github', '--event', 'push');
      expect(dryRun).toMatch(/^eventKey +github:push$/m);
      expect(dryRun).toMatch(/^routes .*→ OnPush/m);
      // executions: the local executions the deliveries started, read from the state folder.
      const executions = (await cli('executions', 'github', '--json'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { executionArn: string });
      expect(executions.length).toBeGreaterThanOrEqual(2);
      expect(executions[0]!.executionArn).toMatch(/:execution:OnPush/);
      // doctor: every check of the local gateway passes (or does not apply).
      const checks = JSON.parse(await cli('doctor', '--json')) as { check: string; status: string }[];
      expect(checks.map((c) => c.check)).toContain('URL github');
      expect(checks.filter((c) => c.status === 'fail')).toEqual([]);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if (child.exitCode === null && child.kill('SIGTERM')) await exited;
    }
  }, 150_000);
});
