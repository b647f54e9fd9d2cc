import { gatewaysOf } from '../app-model';
import { COMMAND_SPECS, parse, parseDuration, requestOptions, targetFlags, targetOptions } from '../args';
import { synthesize } from '../assembly';
import { deployedMaterial, localMaterial } from '../signed-delivery';
import { checkLoggingRole } from '../doctor/account';
import { checkTestDelivery } from '../doctor/delivery';
import type { SourceOptions } from '../config-source';
import { fail, pass, Report, skip, type DoctorSubject, type WebhookUnderTest } from '../doctor/report';
import { checkSecrets } from '../doctor/secrets';
import { checkUrls, mapLimited, PROBE_CONCURRENCY } from '../doctor/urls';
import { CliError, describeFailure, UsageError } from '../errors';
import { deployedSecret, localSecret, variableMissingHere } from '../secrets/access';
import { runningGateway, type LocalGatewayState } from '../state';
import { resolveTarget, StackOutputsError, type Target } from '../target';
import type { CommandContext } from './context';

export const DOCTOR_HELP = `webhook-gateway doctor [--send WEBHOOK [--event TYPE] [--file FILE]] [--timeout 60s] [--json]
                       [--app CMD | --stack NAME [--region R]]

Checks a gateway end to end — after cdk deploy with --stack, or the running local gateway — and
prints one line per check, each failure followed by its fix:

  stack outputs             the stack has the gateway's outputs (--stack)
  API Gateway logging role  the account's CloudWatch Logs role for API Gateway is set (--stack)
  URL <webhook>             an unsigned POST to the webhook's URL is answered 401 by its verifier
  secret <webhook>          provider-issued secrets and public keys (created empty) are set
  test delivery <webhook>   with --send: a signed sample delivery is accepted and its workflow started

  --send WEBHOOK   also send WEBHOOK a delivery signed as \`send\` signs it, and wait for its execution
  --event TYPE     the event type --send sends, for providers that send it in a header
  --file FILE      the body --send sends (default: the provider's sample event)
  --timeout D      how long --send waits for the execution (default 60s); each request waits at most 10 s
  --json           one JSON array of {check, status: pass|fail|skip, detail, fix}
Exit codes: 0 when no check failed (skipped ones do not count), 1 otherwise.`;

/** The longest one HTTP request may take. */
const REQUEST_TIMEOUT_MS = 10_000;

export async function doctorCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { values } = parse(argv, COMMAND_SPECS.doctor.options);
  if (values.help) return ctx.help(DOCTOR_HELP);
  const where = targetOptions(values, ctx);
  if (values.send === undefined && (values.event !== undefined || values.file !== undefined)) {
    throw new UsageError('--event and --file say what --send sends: pass --send WEBHOOK too');
  }
  const waitMs = parseDuration(values.timeout ?? '60s', '--timeout');
  const report = new Report(ctx, values.json === true);
  const notChecked = (why: string) => {
    report.add(skip('webhooks', `not checked: ${why}`));
    if (values.send !== undefined) report.add(skip(`test delivery ${values.send}`, `not sent: ${why}`));
    return report.finish();
  };

  let subject: DoctorSubject;
  if (where.stack !== undefined) {
    let target: Target | undefined;
    try {
      target = await resolveTarget(where);
    } catch (error) {
      if (!(error instanceof StackOutputsError)) throw error;
      report.add(fail('stack outputs', error.problem, error.fix));
    }
    if (target) report.add(pass('stack outputs', describeStack(target)));
    report.add(await checkLoggingRole(where.region));
    if (!target) return notChecked('the stack outputs name no gateway');
    subject = await deployedSubject(target, targetFlags(values));
  } else {
    const local = await runningGateway(where.stateDir);
    if (!local) {
      report.add(
        fail(
          'local gateway',
          `not running (state directory ${where.stateDir})`,
          'start it with npm start (or npx webhook-gateway local) in the project directory, or pass --stack NAME to check a deployed gateway',
        ),
      );
    } else {
      report.add(pass('local gateway', `running at ${local.url} (pid ${local.pid}), serving ${local.app}`));
    }
    report.add(skip('API Gateway logging role', 'no API Gateway locally: checked with --stack'));
    if (!local) return notChecked('the local gateway is not running');
    subject = await localSubject(local, where, targetFlags(values));
  }

  try {
    const requestMs = Math.min(REQUEST_TIMEOUT_MS, waitMs);
    report.add(...(await checkUrls(subject, { signal: ctx.signal, timeoutMs: requestMs })));
    const secrets = await checkSecrets(subject);
    report.add(...secrets);
    if (values.send !== undefined) {
      const name = values.send;
      const secretFix = secrets.find(
        (r) => r.status === 'fail' && (r.check === `secret ${name}` || r.check.startsWith(`secret ${name}.`)),
      )?.fix;
      report.add(
        await checkTestDelivery(subject, name, {
          signal: ctx.signal,
          waitMs,
          requestMs,
          note: (text) => ctx.stderr.write(`${text}\n`),
          request: requestOptions(values),
          ...(secretFix !== undefined && secretFix !== null && { secretFix }),
        }),
      );
    }
  } finally {
    subject.target.close();
  }
  return report.finish();
}

function describeStack(target: Target): string {
  const gateways = target.gateways.map(
    (g) => `gateway ${g.id} at ${g.baseUrl} (${g.webhooks.length} webhook${g.webhooks.length === 1 ? '' : 's'})`,
  );
  return `${target.label}: ${gateways.join('; ')}`;
}

/** A deployed stack: the webhooks its outputs list, their config from the config table. */
async function deployedSubject(target: Target, args: string): Promise<DoctorSubject> {
  const listed = target.gateways.flatMap((g) =>
    g.webhooks.map((name) => ({ name, url: `${g.baseUrl}webhooks/${name}` })),
  );
  const webhooks = await mapLimited(listed, PROBE_CONCURRENCY, async ({ name, url }): Promise<WebhookUnderTest> => {
    try {
      return { name, url, config: (await target.webhook(name)).config };
    } catch (error) {
      const problem =
        error instanceof CliError
          ? 'it is not in the config table'
          : `its config could not be read: ${describeFailure(error)}`;
      return { name, url, configProblem: problem };
    }
  });
  return {
    mode: 'deployed',
    label: target.label,
    args,
    webhooks,
    target,
    async secret(config, need) {
      try {
        return deployedSecret(target, config, need);
      } catch (error) {
        if (!(error instanceof CliError)) throw error;
        return { unreadable: error.message, fix: 'run cdk deploy again' };
      }
    },
    material: (config) => deployedMaterial(target, config),
  };
}

/** The running local gateway: its webhooks (or, with --app, that app's), its secrets and tables. */
async function localSubject(local: LocalGatewayState, where: SourceOptions, args: string): Promise<DoctorSubject> {
  const { app, stateDir: dir } = where;
  const configs =
    app !== undefined
      ? gatewaysOf(await synthesize({ cwd: where.cwd, signal: where.signal, app })).map((g) => g.config)
      : local.gateways.map((g) => g.config);
  const webhooks = configs.flatMap((c) =>
    c.webhooks.map((config) => ({ name: config.name, url: `${local.url}/webhooks/${config.name}`, config })),
  );
  const target = await resolveTarget(where);
  return {
    mode: 'local',
    label: target.label,
    args,
    webhooks,
    target,
    async secret(config, need) {
      const variable = variableMissingHere(local, config.name, need.ref);
      if (variable !== undefined) {
        return {
          unreadable: `the local gateway reads it from ${variable}, which this shell does not have`,
          fix: `export ${variable} in this shell too, with the local gateway's value, and run doctor again`,
        };
      }
      return localSecret(dir, need, local.secretsFile);
    },
    material: (config) => localMaterial(config, dir, local.secretsFile, local),
  };
}
